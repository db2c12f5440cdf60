/**
 * `tfjs-checkpoint/node`: the Node-only parts, by name, for code that wants to say it needs Node. The main entry
 * exports them too under Node (the `node` export condition); browser builds of the main entry do not carry them.
 */
export { NodeFileSource, NodeFileSystem } from './io/node';
