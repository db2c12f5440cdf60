// Stands in for @tensorflow/tfjs-node in the cpu jest project: requiring it fails as it does where tfjs-node is
// not installed, so code that prefers it (the CLI, examples/tfjs_node.ts) stays on the pure-JS backend.
throw Object.assign(new Error("Cannot find module '@tensorflow/tfjs-node' (hidden in the cpu test project)"), {
  code: 'MODULE_NOT_FOUND',
});
