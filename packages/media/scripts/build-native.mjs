// Builds packages/media/native/fastpath.c into native/build/fastpath.node (batched UDP I/O for the media
// path, see native/fastpath.c) with the machine's C compiler against the running Node's own headers.
// Optional at install: without Linux, a C compiler or Node's headers it says so and the media path keeps Node's
// dgram. `--required` (the test command's tool check) makes a failure an error.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const required = process.argv.includes('--required');
const here = dirname(fileURLToPath(import.meta.url));
const source = resolve(here, '../native/fastpath.c');
const output = resolve(here, '../native/build/fastpath.node');

function give_up(reason) {
  const message = `fastpath: not built (${reason}); the media path uses Node's dgram`;
  if (required) {
    console.error(`${message}. Install a C compiler (Debian: apt-get install gcc) and run the command again.`);
    process.exit(1);
  }
  console.warn(message);
  process.exit(0);
}

if (process.platform !== 'linux') give_up(`recvmmsg/sendmmsg need Linux, this is ${process.platform}`);
const includes = [process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include/node'), resolve(process.execPath, '../../include/node')].filter(Boolean);
const include = includes.find((dir) => existsSync(join(dir, 'node_api.h')) && existsSync(join(dir, 'uv.h')));
if (!include) give_up(`no Node headers (node_api.h, uv.h) in ${includes.join(' or ')}`);
if (existsSync(output) && statSync(output).mtimeMs >= statSync(source).mtimeMs) process.exit(0);
const cc = process.env.CC || 'cc';
mkdirSync(dirname(output), { recursive: true });
try {
  execFileSync(cc, ['-O2', '-Wall', '-Wextra', '-Werror', '-std=gnu11', '-shared', '-fPIC', '-fvisibility=hidden', `-I${include}`, '-o', output, source], { stdio: ['ignore', 'inherit', 'inherit'] });
} catch (error) {
  give_up(error.code === 'ENOENT' ? `no C compiler: ${cc} not found` : `${cc} failed`);
}
console.log(`fastpath: built ${output}`);
