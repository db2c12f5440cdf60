/**
 * The one place the package's trackable adapters are installed: the generic tfjs ones (variables, tensors, the
 * package's value holders), then the Keras ones (tfjs-layers models and layers under Keras's names, tfjs
 * optimizers as Keras saves them). The package entry calls it on load; it is idempotent, so every entry that can
 * be loaded on its own calls it too. Applications add their own with registerTrackableAdapter.
 */
import { registerKerasAdapters } from './keras/trackables';
import { registerBuiltinAdapters } from './trackable';

export function installDefaultAdapters(): void {
  registerBuiltinAdapters();
  registerKerasAdapters();
}
