import { defineProject } from 'vitest/config';
import { fleetstreamTestProject } from '../vitest.shared.js';

export default defineProject(fleetstreamTestProject(import.meta.dirname));
