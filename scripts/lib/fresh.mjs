// Whether a build's output is verifiably fresh, so that a build asked for again in one run
// (`npm test` builds, then `npm pack`, `npm start` and `npm run contract` each ask again) is done
// once. A build records, in node_modules/.cache/ims-sharing/NAME.json, a hash of every input
// file's content and a hash of every output file's; a later build is skipped only when the
// inputs hash the same and the outputs are still exactly the files it wrote (none changed,
// removed or added). Anything else, or no record at all (a fresh clone, `npm ci`), builds.
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { root } from "./run.mjs";

const CACHE = path.join(root, "node_modules", ".cache", "ims-sharing");

/** Every file under each of `paths` (files or folders, relative to the root), sorted. */
async function filesOf(paths) {
  const files = [];
  const walk = async (relative) => {
    const entries = await readdir(path.join(root, relative), { withFileTypes: true }).catch((error) => {
      if (error.code === "ENOTDIR") return undefined;
      if (error.code === "ENOENT") return [];
      throw error;
    });
    if (entries === undefined) return void files.push(relative);
    for (const entry of entries) await walk(path.join(relative, entry.name));
  };
  for (const p of paths) await walk(p);
  return files.sort();
}

/** Each file's content hash and permissions (dist/src/cli/bin.js must stay executable), by path. */
async function hashes(paths) {
  const result = {};
  for (const file of await filesOf(paths)) {
    const full = path.join(root, file);
    const mode = ((await stat(full)).mode & 0o777).toString(8);
    result[file] = `${mode} ${createHash("sha256")
      .update(await readFile(full))
      .digest("hex")}`;
  }
  return result;
}

const digest = (files) => createHash("sha256").update(JSON.stringify(files)).digest("hex");

/**
 * A build's record: `inputs` and `outputs` are files or folders relative to the root.
 * @param {string} name
 * @param {{ inputs: string[], outputs: string[], salt?: string }} spec salt: anything else the
 *   output depends on (options), hashed with the inputs
 */
export function buildRecord(name, { inputs, outputs, salt = "" }) {
  const file = path.join(CACHE, `${name}.json`);
  return {
    /**
     * The inputs as they are now, and whether the last recorded build had the same and left its
     * outputs untouched. Taken before building, so that an input edited during the build makes
     * the record stale rather than wrongly fresh.
     * @returns {Promise<{ fresh: boolean, inputs: string }>}
     */
    async check() {
      const inputsHash = digest({ salt, files: await hashes(inputs) });
      let recorded;
      try {
        recorded = JSON.parse(await readFile(file, "utf8"));
      } catch {
        return { fresh: false, inputs: inputsHash };
      }
      const fresh = recorded.inputs === inputsHash && recorded.outputs === digest(await hashes(outputs));
      return { fresh, inputs: inputsHash };
    },
    /** Forgets the record (before building: a build that fails half-way is not fresh). */
    async forget() {
      await rm(file, { force: true });
    },
    /** Records the build just made from `inputsHash` (what check() returned before it). */
    async save(inputsHash) {
      await mkdir(CACHE, { recursive: true });
      await writeFile(file, JSON.stringify({ inputs: inputsHash, outputs: digest(await hashes(outputs)) }));
    },
  };
}
