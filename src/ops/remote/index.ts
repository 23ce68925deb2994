/** Remotes: the commit graph to and from a git repository, the chunks to and from a chunk store. */
export { addRemote, removeRemote, setRemoteUrl } from './admin.js';
export { initBare } from './bare.js';
export { clone, type CloneOptions } from './clone.js';
export { defaultRemote, listRemotes } from './config.js';
export { fetchRemote } from './fetch.js';
export { setTransferReporter, type TransferReporter } from './ondemand.js';
export { pull, type PullOptions } from './pull.js';
export { push, type PushOptions } from './push.js';
