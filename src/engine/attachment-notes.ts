/**
 * Why an attachment of a question was not used, as data: each surface words it in its own
 * language. `name` is the file's name as the person gave it; sizes are bytes.
 */
export type AttachmentNote =
  /** An image, and the model is not given images here (VISION off). */
  | { readonly code: 'images_off'; readonly name: string }
  | { readonly code: 'image_too_big'; readonly name: string; readonly size: number; readonly max: number }
  /** An image in a format vision models do not take (HEIC, TIFF, ...). */
  | { readonly code: 'image_format'; readonly name: string }
  /** A text file, and reading text files is turned off (MAX_ATTACHMENT_BYTES=0). */
  | { readonly code: 'text_off'; readonly name: string }
  /** A text file over the cap, by its declared size or its Content-Length. */
  | { readonly code: 'too_big'; readonly name: string; readonly size: number; readonly max: number }
  /** A text file that outgrew the cap while it was read (neither size could be trusted). */
  | { readonly code: 'over_cap'; readonly name: string; readonly max: number }
  /** Neither text nor an image; `vision` says whether images would have been read. */
  | { readonly code: 'unsupported'; readonly name: string; readonly vision: boolean }
  /** The download failed: with an HTTP status when the server answered, else on the network. */
  | { readonly code: 'download_failed'; readonly name: string; readonly status?: number; readonly statusText?: string }
  | { readonly code: 'download_timeout'; readonly name: string; readonly timeoutMs: number }
  | { readonly code: 'binary'; readonly name: string }
  | { readonly code: 'not_utf8'; readonly name: string }
  | { readonly code: 'empty'; readonly name: string };

export type AttachmentNoteCode = AttachmentNote['code'];

/** What an answer could not say in full, as data: noted under it, never stored as the model's words. */
export type ContextNote =
  /** The token budget left `count` stored messages out of the request. */
  | { readonly code: 'left_out'; readonly count: number }
  /** The answer stopped at its token limit (`finish_reason: length`). */
  | { readonly code: 'cut_off' };

/** A note under an answer: an attachment that was not used, or what the answer left out. */
export type AnswerNote = AttachmentNote | ContextNote;

export function isContextNote(note: AnswerNote): note is ContextNote {
  return note.code === 'left_out' || note.code === 'cut_off';
}
