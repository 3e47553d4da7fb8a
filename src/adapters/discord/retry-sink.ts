import type { TextBasedChannel } from 'discord.js';
import type { HistoryMessage } from '../../domain/message.js';
import type { AnswerNote, AttachmentNote } from '../../engine/attachment-notes.js';
import type { RetrySink } from '../../engine/engine.js';
import type { AnswerProblem } from '../../engine/problems.js';
import { DiscordReplySink, type ReplySinkOptions, replyTargetIn } from './reply-sink.js';

const SNOWFLAKE = /^\d{17,20}$/;

/**
 * Where a /retry's new answer goes: streamed as a reply to the question it regenerates (by its
 * Discord id, which the round stored), like any answer. A retry that fails takes back what it
 * showed and keeps the problem for the command's own reply (only its user sees it), since the
 * channel still shows the old answer, which memory still holds.
 */
export class DiscordRetrySink implements RetrySink {
  private answer: DiscordReplySink | undefined;
  private failure: AnswerProblem | undefined;
  private question: HistoryMessage | undefined;

  constructor(
    private readonly channel: TextBasedChannel,
    private readonly options: ReplySinkOptions,
  ) {}

  /** Why the retry failed, if it did. */
  get problem(): AnswerProblem | undefined {
    return this.failure;
  }

  /** The question whose answer was regenerated (or was to be). */
  get regenerated(): HistoryMessage | undefined {
    return this.question;
  }

  regenerating(question: HistoryMessage): void {
    this.question = question;
    // A question with no Discord message (forged, or asked in the terminal) gets its answer as an ordinary message.
    const id = question.discordMessageIds[0];
    this.answer = new DiscordReplySink(replyTargetIn(this.channel, id !== undefined && SNOWFLAKE.test(id) ? id : undefined), this.options);
  }

  start(): Promise<void> {
    return this.answer?.start() ?? Promise.resolve();
  }

  progress(textSoFar: string): void {
    this.answer?.progress(textSoFar);
  }

  settle(): Promise<readonly string[]> {
    return this.answer?.settle() ?? Promise.resolve([]);
  }

  finish(text: string, notes: readonly AnswerNote[]): Promise<readonly string[]> {
    if (this.answer === undefined) return Promise.reject(new Error('a retry finished before its question was known'));
    return this.answer.finish(text, notes);
  }

  async fail(problem: AnswerProblem, _partial: string, _notes: readonly AttachmentNote[]): Promise<void> {
    this.failure = problem;
    await this.answer?.discard();
  }
}
