import {
  FormatSettings,
  ImageDataService,
  ImageService,
  ImportService,
  MemberService,
  QuotaGuard,
  StoreService,
  TaskService,
} from '@iris/domain';
import express, { Express, Request, Router } from 'express';
import { HttpError } from './errors/http-error';
import { Translator } from './i18n/translator';
import { Logger } from './logger';
import { errorHandler } from './middleware/error-handler';
import { answerOptions, decodeEncodedSlashes } from './middleware/front-end';
import { accessLog, AuthStrategy, authenticate, requestId } from './middleware/request-context';
import { ApiVersion, V1_VERSIONS, v2VersionsFor, versionNegotiation } from './versions';
import { imageDataController } from './v2/image-data-controller';
import { importController } from './v2/import-controller';
import { tasksController } from './v2/tasks-controller';
import { storesController } from './v2/stores-controller';
import { usageController } from './v2/usage-controller';
import { imagesController } from './v2/images-controller';
import { membersController } from './v2/members-controller';
import { schemasController } from './v2/schemas-controller';
import { v1Router, V1Services } from './v1/router';

export interface HttpAppDeps {
  images: ImageService;
  imageData: ImageDataService;
  members: MemberService;
  /** Interoperable image import; without it the import routes are unknown paths. */
  imports?: ImportService;
  /** The tasks API; without it /v2/tasks is an unknown path. */
  tasks?: TaskService;
  /** Store discovery and deletion. Its routes return 404 while multi-store is off. */
  stores?: StoreService;
  /** Per-project limits behind GET /v2/info/usage. */
  quotas?: QuotaGuard;
  auth: AuthStrategy;
  translator: Translator;
  logger: Logger;
  formats: FormatSettings;
  importMethods?: string[];
  versions?: ApiVersion[];
  /** The Images API v1 services; without them `/v1` is an unknown version. */
  v1?: V1Services;
}

const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH']);

/** Builds the Express application that serves the Images API. */
export function createHttpApp(deps: HttpAppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  // Glance reads query keys literally: `a[b]=c` filters on the key `a[b]`.
  app.set('query parser', 'simple');
  app.set('trust proxy', false);

  app.use(requestId(deps.logger));
  app.use(accessLog());
  app.use(answerOptions);
  app.use(decodeEncodedSlashes);
  const v2Versions = v2VersionsFor(deps.stores?.multiStore === true);
  const defaultVersions = deps.v1 === undefined ? v2Versions : [...v2Versions, ...V1_VERSIONS];
  app.use(versionNegotiation(deps.versions ?? defaultVersions));

  const v2 = Router();
  v2.use(authenticate(deps.auth));
  // Glance sends the store ids only when enabled_backends configures multi-store.
  const storeIds = deps.stores?.multiStore === true ? deps.stores.list().map((store) => store.id) : [];
  v2.use(imagesController(deps.images, { importMethods: deps.importMethods ?? [], storeIds }));
  v2.use(imageDataController(deps.imageData));
  if (deps.imports !== undefined) v2.use(importController(deps.imports));
  if (deps.tasks !== undefined) v2.use(tasksController(deps.tasks));
  if (deps.stores !== undefined) v2.use(storesController(deps.stores));
  if (deps.quotas !== undefined) v2.use(usageController(deps.quotas));
  v2.use(membersController(deps.members));
  v2.use(schemasController(deps.formats));
  // A known path with another method got 405 from its route. An unknown
  // path is 404, or 501 for a method that no route serves.
  v2.use((req: Request) => {
    if (!KNOWN_METHODS.has(req.method)) {
      throw new HttpError(501, 'method_not_implemented', { method: req.method });
    }
    throw new HttpError(404, 'path_not_found');
  });
  app.use('/v2', v2);
  if (deps.v1 !== undefined) app.use('/v1', v1Router(deps.v1, deps.images, deps.auth));

  app.use(errorHandler(deps.translator, deps.logger));
  return app;
}
