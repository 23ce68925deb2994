/** The check engine: lakegit.yaml, its checks and hooks. The `check` verb and the gates that use it live in ../verify/. */
export type { CheckReport, CheckResult, Introducer } from './report.js';
