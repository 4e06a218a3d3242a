/** A closed byte range `[start, end]` as the frago API sends it. */
export interface WireRange {
  readonly start: number;
  readonly end: number;
}

/** The answer to `POST /upload/` (start). */
export interface StartAnswer {
  readonly upload_id: string;
  readonly expires_at: string;
  readonly chunk_size: number;
  readonly max_chunk_size: number;
  readonly checksum_algo: string;
  /** With `direct: true` asked: how to cut the file into parts for the store; null when the server takes none. */
  readonly direct?: DirectLayout | null;
}

/** How a direct upload is cut into parts. */
export interface DirectLayout {
  readonly part_size: number;
  readonly part_count: number;
}

/** One signed part URL of `POST /upload/:id/parts`. */
export interface SignedPartAnswer {
  readonly part: number;
  readonly start: number;
  readonly end: number;
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly expires_at: string;
}

/** The answer to `POST /upload/:id/parts`. */
export interface PartsAnswer extends DirectLayout {
  readonly upload_id: string;
  readonly parts: readonly SignedPartAnswer[];
}

/** The answer to `PUT /upload/:id/` (one chunk). */
export interface ChunkAnswer {
  readonly start: number;
  readonly end: number;
  readonly size: number;
  readonly duplicate: boolean;
}

/** The answer to `GET /upload/:id/` (status). */
export interface StatusAnswer {
  readonly upload_id: string;
  readonly filename: string;
  /** Null for an upload started through tus without its length (`Upload-Defer-Length`), until the length is declared. */
  readonly total_size: number | null;
  readonly status: 'in_progress' | 'assembling' | 'complete';
  readonly created_at: string;
  readonly completed_at: string | null;
  readonly expires_at: string;
  readonly checksum_algo: string;
  readonly checksum: string | null;
  readonly metadata: Record<string, unknown>;
  readonly received: readonly WireRange[];
  readonly received_bytes: number;
  readonly missing: readonly WireRange[];
  readonly in_flight: readonly WireRange[];
  /** For a direct upload: its parts, those missing, and those the store holds with the wrong size. */
  readonly direct?: DirectLayout & { readonly missing_parts: readonly number[]; readonly wrong_size_parts: readonly number[] };
}

/** The answer to `POST /upload/:id/` (finalize). */
export interface FinalizeAnswer {
  readonly upload_id: string;
  readonly checksum: string;
  readonly checksum_algo: string;
  readonly total_size: number;
  readonly completed_at: string | null;
  readonly already_complete: boolean;
}

/** The answer to `DELETE /upload/:id/` (abort). */
export interface AbortAnswer {
  readonly upload_id: string;
  readonly message: string;
}
