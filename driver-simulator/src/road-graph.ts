// Moved to @fleetstream/geo (issue 17); kept only while infra/ still imports it from here.
export { cityGeoJson, type City, type Road, type RoadKind } from '@fleetstream/geo';
