import type { AnswerNote, AttachmentNote } from '../engine/attachment-notes.js';
import type { HistoryMessage } from '../domain/message.js';
import type { ReplySink, RetrySink } from '../engine/engine.js';
import type { AnswerProblem } from '../engine/problems.js';
import { answerProblemText, en } from '../presenters/en.js';
import { answerNoteText, attachmentNoteText, retryProblemText } from '../presenters/render.js';

export interface TerminalOutput {
  write(text: string): void;
}

/**
 * An answer streamed to the terminal as it grows: the engine gives the whole text so far, so only
 * what is new is written. Problems go to the error stream, so a piped run's output holds answers
 * and results only.
 */
export class TerminalSink implements ReplySink {
  private written = '';
  private failed = false;
  private stoppedByAsker = false;

  constructor(
    private readonly out: TerminalOutput,
    private readonly err: TerminalOutput,
  ) {}

  /** Whether the question ended without an answer kept in memory. */
  get problem(): boolean {
    return this.failed;
  }

  /** Whether the person cut the answer off (Ctrl-C): nothing of it was kept, as they asked. */
  get stopped(): boolean {
    return this.stoppedByAsker;
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  progress(textSoFar: string): void {
    // A retry on a smaller context starts the text over; anything shown before was empty.
    if (!textSoFar.startsWith(this.written)) return;
    this.out.write(textSoFar.slice(this.written.length));
    this.written = textSoFar;
  }

  /** Nothing shown here can be edited later: no ids. */
  settle(): Promise<readonly string[]> {
    return Promise.resolve([]);
  }

  finish(text: string, notes: readonly AnswerNote[]): Promise<readonly string[]> {
    if (text.startsWith(this.written)) this.out.write(text.slice(this.written.length));
    else this.out.write(`\n${text}`);
    this.out.write('\n');
    this.written = text;
    for (const note of notes) this.err.write(`note: ${answerNoteText(en, note)}\n`);
    return Promise.resolve(['terminal']);
  }

  fail(problem: AnswerProblem, partial: string, notes: readonly AttachmentNote[]): Promise<void> {
    this.failed = true;
    this.stoppedByAsker = problem.code === 'cancelled' && problem.by === 'interrupted';
    if (partial !== '' || this.written !== '') this.out.write('\n');
    if (partial !== '') this.err.write(`[${en.interrupted}]\n`);
    // Stopping an answer is not an error: only what it did is said.
    this.err.write(this.stoppedByAsker ? `${this.problemText(problem)}\n` : `error: ${this.problemText(problem)}\n`);
    for (const note of notes) this.err.write(`note: ${attachmentNoteText(en, note)}\n`);
    return Promise.resolve();
  }

  protected problemText(problem: AnswerProblem): string {
    return answerProblemText(problem);
  }
}

/** A /retry's new answer, streamed like any; a failure says the previous answer stays. */
export class TerminalRetrySink extends TerminalSink implements RetrySink {
  private question: HistoryMessage | undefined;

  /** The question whose answer was regenerated (or was to be). */
  get regenerated(): HistoryMessage | undefined {
    return this.question;
  }

  regenerating(question: HistoryMessage): void {
    this.question = question;
  }

  protected override problemText(problem: AnswerProblem): string {
    return retryProblemText(en, problem);
  }
}
