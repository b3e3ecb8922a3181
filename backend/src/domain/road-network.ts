// Moved to @fleetstream/geo (issue 17); kept only while infra/ still imports it from here.
export { createRoadNetwork, type RoadNetwork } from '@fleetstream/geo';
