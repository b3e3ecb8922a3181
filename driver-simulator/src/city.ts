// Moved to @fleetstream/geo (issue 17); kept only while infra/ still imports it from here.
export { createCity, roadGraphGeoJson, type CityOptions } from '@fleetstream/geo';
