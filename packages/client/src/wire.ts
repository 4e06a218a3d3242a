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
