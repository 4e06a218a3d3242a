/** frago's paths end in a slash (`/upload/`, `/upload/:id/`): keep them as they are. */
export default { trailingSlash: true };
