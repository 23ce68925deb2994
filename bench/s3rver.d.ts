/** s3rver ships no types; bench/servers.ts uses only its constructor, `run` and `close`. */
declare module 's3rver';
