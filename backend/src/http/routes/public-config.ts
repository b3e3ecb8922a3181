import fs from 'node:fs';
import path from 'node:path';
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
      pingIntervalMs: ctx.config.ws.pingIntervalMs,
    };
    res.json(body);
  });
  router.get('/city.geojson', (_req, res, next) => {
    const file = ctx.config.http.cityGeoJson;
    if (!file || !fs.existsSync(file))
      return next(new AppError('NOT_FOUND', 'no road network configured', { status: 404 }));
    // The default data dir is `.fleetstream/`: send's dot-folder guard would answer 404.
    res.type('application/geo+json').sendFile(path.resolve(file), { dotfiles: 'allow' }, (err) => {
      if (err && !res.headersSent)
        next(new AppError('NOT_FOUND', 'road network not readable', { status: 404, cause: err }));
    });
  });
  return router;
}
