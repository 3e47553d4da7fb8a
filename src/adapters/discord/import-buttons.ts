/** The custom ids of an /import's confirmation buttons: `import:replace:<id>`, `import:cancel:<id>`. */
export type ImportAnswer = 'replace' | 'cancel';

export const IMPORT_BUTTON = /^import:(replace|cancel):([0-9a-f]{16})$/;

export function importButtonId(answer: ImportAnswer, id: string): string {
  return `import:${answer}:${id}`;
}
