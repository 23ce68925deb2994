import { badInput } from '../errors.js';
import type { RepoContext } from '../ops/context.js';

/**
 * What every verb of the Repo API starts from: the repository's context. The API is one class,
 * `Repo` (src/repo.ts), built in layers, one family of verbs per file: remotes, then merging and
 * its gates, then the rest.
 */
export abstract class RepoBase {
  protected constructor(readonly ctx: RepoContext) {}

  get root(): string {
    return this.ctx.root;
  }

  /** The context of a verb that needs a working tree; a bare repository (a remote) has none. */
  protected get work(): RepoContext {
    if (this.ctx.bare) {
      throw badInput(
        `${this.ctx.root} is a bare repository (a remote): it has no working tree`,
        { dir: this.ctx.root },
        "clone it to work on its tables; 'protect', 'log', 'check', 'reflog' and 'gc' work here",
      );
    }
    return this.ctx;
  }
}
