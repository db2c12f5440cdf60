/**
 * Browser builds: start loading tfjs-core at once, so synchronous helpers (`toTfjsTensor`) work as soon as the
 * app's first await has passed. A bundler that has tfjs resolves this import within the bundle; without tfjs it
 * fails quietly, and reading checkpoints works as before.
 */
import { tryLoadTfjsCore } from './tfjs_module';

void tryLoadTfjsCore();
