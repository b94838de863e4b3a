// TypeScript declarations of the pdqguard Node.js binding (index.js).

/** The C API's status names (pdqg_status_name), in number order from 1. */
export type StatusCode = 'invalid_argument' | 'io_error' | 'unsupported_format' | 'decode_error'
  | 'image_too_large' | 'file_too_large' | 'bad_hash' | 'list_parse_error' | 'index_corrupt'
  | 'unsupported_isa' | 'out_of_memory' | 'internal_error' | 'encrypted' | 'archive_limit'
  | 'not_a_file' | 'no_video_stream' | 'bad_frame_rate' | 'video_too_long' | 'truncated_input'
  | 'resource_limit';

/** A failure: `code` is the C API's status name, `status` its number. A status
 *  newer than these declarations still has its C name (hence `string`);
 *  "unknown_error" only when the library cannot name the number either. */
export class PdqguardError extends Error {
  code: StatusCode | (string & {});
  status: number;
}

/** The C API's name of a status number ("unknown_error" for no status). */
export function statusName(status: number): string;

export interface HashOptions {
  /** Also compute the 8 dihedral hashes (original, rot90, rot180, rot270, flipx, flipy, flipplus1, flipminus1). */
  dihedral?: boolean;
}

export interface HashResult {
  /** 64 lowercase hex digits. */
  hash: string;
  /** 0..100 */
  quality: number;
  tooSmall: boolean;
  width: number;
  height: number;
  dihedral?: string[];
}

export type PixelFormat = 'gray8' | 'rgb8' | 'rgba8' | 'bgr8' | 'bgra8' | 'i420' | 'nv12';

export interface Frame {
  data: Uint8Array;
  width: number;
  height: number;
  /** Default "gray8"; for i420/nv12 only the Y plane is given and read. */
  format?: PixelFormat;
  /** Bytes between row starts; 0 or absent = packed. */
  stride?: number;
}

export interface Match {
  list: string;
  id: string;
  label: string;
  hash: string;
  distance: number;
  dihedral: string;
}

export interface MatchOutcome {
  gate: 'none' | 'too_small' | 'below_quality';
  matches: Match[];
}

export type MatcherParam = 'threshold' | 'min_quality' | 'dihedral' | 'index_kind' | 'max_matches'
  | 'lenient' | 'verify_checksum' | 'entries' | 'hashes' | 'generation' | 'max_list_bytes' | 'max_line_bytes';

export function hashFile(path: string, options?: HashOptions): Promise<HashResult>;
export function hashBytes(data: Uint8Array, options?: HashOptions): Promise<HashResult>;
export function hashBuffer(data: Uint8Array, options?: HashOptions): Promise<HashResult>;
export function hashFileSync(path: string, options?: HashOptions): HashResult;
export function hashBytesSync(data: Uint8Array, options?: HashOptions): HashResult;
export function hashFrame(frame: Frame, options?: HashOptions): HashResult;
export function distance(a: string, b: string): number;
export function parseHash(hex: string): string;
export function version(): string;

export class Matcher {
  constructor(lists: string | string[], index?: string | null);
  match(query: HashResult | Pick<HashResult, 'hash'> | string): MatchOutcome;
  reload(): void;
  reloadIfChanged(): boolean;
  set(name: MatcherParam, value: number): void;
  get(name: MatcherParam): number;
  static bounds(name: MatcherParam): { lower: number; upper: number; default: number };
  close(): void;
}
