// The resumable-upload draft's fixed facts (draft-ietf-httpbis-resumable-upload).

/** The media type of an append (`PATCH`) body. */
export const PARTIAL_UPLOAD = 'application/partial-upload';

/**
 * The interop versions served: 6 (draft-05, what tus-js-client's `ietf-draft-05` and
 * URLSession on iOS 18.1 / macOS 15.1 send) and 8 (draft-10 onward). A request naming
 * another version, or none, is served alike but gets no `104` (the draft forbids it).
 */
export const INTEROP_VERSIONS: readonly string[] = ['6', '8'];

/** The interop version whose `Upload-Limit` names the lifetime `expires`; later ones name it `max-age`. */
export const EXPIRES_KEY_VERSION = '6';

/** The filename an upload created through the draft gets when `Content-Disposition` names none. */
export const DEFAULT_FILENAME = 'upload';

/** The status of the interim response announcing the upload resource. */
export const UPLOAD_RESUMPTION_SUPPORTED = 104;

/** frago's header carrying a creation's metadata: base64url of a UTF-8 JSON object. */
export const METADATA_HEADER = 'Frago-Metadata';

/**
 * The most characters `Frago-Metadata` may have: 6 KiB of JSON, well inside the 16 KiB
 * of headers Node.js reads by default, so a request past it gets frago's typed 413
 * rather than the runtime's bare 431.
 */
export const MAX_METADATA_HEADER = 8192;
