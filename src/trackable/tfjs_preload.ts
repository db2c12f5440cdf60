/** Under Node, tfjs-core is loaded only when a tensor is first built (browser builds use tfjs_preload.browser.ts). */
export {};
