// Moved to @fleetstream/geo (issue 17); kept only while infra/ still imports it from here.
export { createRng, deriveRng, gaussian, uniform, type Rng } from '@fleetstream/geo';
