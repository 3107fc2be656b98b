import { ImageService, V1ImageService, V1MemberService } from '@iris/domain';
import { Request, Router } from 'express';
import { HttpError } from '../errors/http-error';
import { AuthStrategy, authenticate } from '../middleware/request-context';
import { v1ImagesController } from './images-controller';
import { v1MembersController } from './members-controller';

/** The services behind the Images API v1. */
export interface V1Services {
  images: V1ImageService;
  members: V1MemberService;
}

const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
]);

/** Builds the router mounted at `/v1`, which deletes images through the v2 ImageService. */
export function v1Router(
  services: V1Services,
  images: ImageService,
  auth: AuthStrategy,
): Router {
  const router = Router();
  router.use(authenticate(auth));
  router.use(v1ImagesController(services.images, images));
  router.use(v1MembersController(services.members));
  router.use((req: Request) => {
    if (!KNOWN_METHODS.has(req.method)) {
      throw new HttpError(501, 'method_not_implemented', {
        method: req.method,
      });
    }
    throw new HttpError(404, 'path_not_found');
  });
  return router;
}
