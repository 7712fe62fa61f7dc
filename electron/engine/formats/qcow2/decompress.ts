// Compressed clusters: raw deflate (zlib's format without its header, as qemu writes it) or a zstd frame, each
// decompressed to exactly one cluster and never past it. The stored size is rounded up to whole sectors, so bytes
// after the stream are the next cluster's: both decoders stop once the cluster is full, as qemu's do.
import { constants, inflateRawSync } from 'node:zlib';
import { Decompress } from 'fzstd';
import { PlatterError } from '../../errors';
import { DAMAGED } from './header';
import type { CompressionType } from './header';

/** The largest zstd window accepted: a frame for a 2 MiB cluster never needs more. */
const MAX_ZSTD_WINDOW = 8 * 1024 * 1024;

function badCluster(cluster: number, why: string): PlatterError {
  return new PlatterError('QCOW2_BAD_CLUSTER', `its compressed guest cluster ${cluster} ${why}`, DAMAGED, { cluster });
}

/** Decompresses one cluster into `out` (a whole cluster's length), which it fills or throws QCOW2_BAD_CLUSTER. */
export function decompressCluster(type: CompressionType, data: Uint8Array, out: Uint8Array, cluster: number): void {
  const filled = type === 'zlib' ? inflate(data, out, cluster) : unzstd(data, out, cluster);
  if (filled !== out.length)
    throw badCluster(cluster, `holds ${filled} bytes once decompressed, not a whole cluster of ${out.length}`);
}

/**
 * zlib's raw inflate, bounded: its output is one buffer of the cluster's size (no garbage beyond what a read makes),
 * and a stream that would run past the cluster is refused.
 */
function inflate(data: Uint8Array, out: Uint8Array, cluster: number): number {
  try {
    const options = { finishFlush: constants.Z_SYNC_FLUSH, chunkSize: out.length, maxOutputLength: out.length };
    const bytes = inflateRawSync(data, options);
    out.set(bytes);
    return bytes.length;
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE')
      throw badCluster(cluster, `decompresses past a whole cluster of ${out.length} bytes`);
    if (typeof code === 'string' && code.startsWith('Z_'))
      throw badCluster(cluster, `is not valid deflate data (${(err as Error).message})`);
    throw err;
  }
}

/** The window a zstd frame asks for, from its header, before the decoder allocates it. */
function zstdWindow(data: Uint8Array): number {
  if (data.length < 6 || data[0] !== 0x28 || data[1] !== 0xb5 || data[2] !== 0x2f || data[3] !== 0xfd) return -1;
  const descriptor = data[4]!;
  const singleSegment = (descriptor >> 5) & 1;
  if (!singleSegment) {
    const exponent = 10 + (data[5]! >> 3);
    const base = 2 ** exponent;
    return base + (base / 8) * (data[5]! & 7);
  }
  // Single segment: the window is the content size, whose field follows the descriptor (and any dictionary id).
  const dictBytes = [0, 1, 2, 4][descriptor & 3]!;
  const sizeBytes = [1, 2, 4, 8][descriptor >> 6]!;
  const at = 5 + dictBytes;
  if (data.length < at + sizeBytes) return -1;
  let size = 0;
  for (let i = sizeBytes - 1; i >= 0; i--) size = size * 256 + data[at + i]!;
  return sizeBytes === 2 ? size + 256 : size;
}

class ClusterFull extends Error {}

/** zstd through fzstd's stream decoder, which allocates its window per frame (qemu's frames are one cluster's). */
function unzstd(data: Uint8Array, out: Uint8Array, cluster: number): number {
  const clusterSize = out.length;
  const window = zstdWindow(data);
  if (window < 0) throw badCluster(cluster, 'does not start with a zstd frame');
  if (window > MAX_ZSTD_WINDOW) throw badCluster(cluster, `asks for a zstd window of ${window} bytes`);
  let filled = 0;
  const stream = new Decompress((piece) => {
    if (filled + piece.length > clusterSize) throw badCluster(cluster, `decompresses past ${clusterSize} bytes`);
    out.set(piece, filled);
    filled += piece.length;
    // Stop here: what follows the frame is padding or another cluster's data.
    if (filled === clusterSize) throw new ClusterFull();
  });
  try {
    stream.push(data, true);
  } catch (err) {
    if (err instanceof ClusterFull) return filled;
    if (err instanceof PlatterError) throw err;
    throw badCluster(cluster, `is not a valid zstd frame (${(err as Error).message})`);
  }
  return filled;
}
