import fs from 'node:fs';
import { Router } from 'express';
import type { PublicConfig } from '@fleetstream/contracts';
import type { AppContext } from '../../context.js';
import { AppError } from '../../errors.js';

/** GET /api/config (public): map tiles for the web app. GET /api/city.geojson: the road network, if configured. */
export function publicConfigRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/config', (_req, res) => {
    const body: PublicConfig = {
      tileUrl: ctx.config.http.tileUrl,
      tileAttribution: ctx.config.http.tileAttribution,
      staleAfterS: ctx.config.http.staleAfterS,
      deadReckonS: ctx.config.http.deadReckonS,
    };
    res.json(body);
  });
  router.get('/city.geojson', (_req, res, next) => {
    const file = ctx.config.http.cityGeoJson;
    if (!file || !fs.existsSync(file))
      return next(new AppError('NOT_FOUND', 'no road network configured', { status: 404 }));
    res.type('application/geo+json').sendFile(file);
  });
  return router;
}
