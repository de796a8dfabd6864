// The package's Node entry (`carrier-verify/node`): the parts a Node backend adds to createApp, all at once
// (`nodeAppConfig`) or one by one. The server entry stays free of Node APIs, for edge runtimes.
export { nodeAppConfig, type NodeAppSetup } from './node-setup.js';
export { createNodeTransport, type NodeTransport, type NodeTransportOptions } from './transport-node.js';
export { nodeHasher } from './node-hasher.js';
export { RedisStore, type RedisStoreOptions } from './stores/redis.js';
export { stdoutLog } from './node-log.js';
export { fileAssets } from './node-assets.js';
