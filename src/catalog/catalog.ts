import type { Db } from '../db/database.js';
import type { Api } from '../http/schemas.js';
import type { Clock } from '../kernel/clock.js';
import type { MasterSecret } from '../kernel/secrets.js';
import { registerBadgeClassRoutes } from './badge-classes/routes.js';
import type { IssuingBackendResolver } from './badge-classes/issuing-backend.js';
import { BadgeClassService } from './badge-classes/service.js';
import { registerImageRoutes } from './images/routes.js';
import { ImageService } from './images/service.js';
import { registerIssuerRoutes } from './issuers/routes.js';
import { IssuerService } from './issuers/service.js';
import { publicUrls, type PublicUrls } from './public-urls.js';

/** The catalog capability: issuers with their keys, images and versioned badge classes. */
export interface Catalog {
  urls: PublicUrls;
  images: ImageService;
  issuers: IssuerService;
  badgeClasses: BadgeClassService;
}

export function createCatalog(options: { db: Db; secret: MasterSecret; publicUrl: string; clock: Clock; resolveIssuingBackend: IssuingBackendResolver }): Catalog {
  const { db, secret, publicUrl, clock } = options;
  const urls = publicUrls(publicUrl);
  return {
    urls,
    images: new ImageService({ db, urls }),
    issuers: new IssuerService({ db, secret, clock, publicUrl, urls }),
    badgeClasses: new BadgeClassService({ db, clock, resolveIssuingBackend: options.resolveIssuingBackend }),
  };
}

export function registerCatalogRoutes(app: Api, catalog: Catalog): void {
  registerImageRoutes(app, catalog.images);
  registerIssuerRoutes(app, catalog.issuers, catalog.urls);
  registerBadgeClassRoutes(app, catalog.badgeClasses, catalog.urls);
}
