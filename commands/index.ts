import type { Command } from '../src/command.js';
import history from './history.js';
import limit from './limit.js';
import listen from './listen.js';
import model from './model.js';
import pin from './pin.js';
import reset from './reset.js';
import rollback from './rollback.js';
import settings from './settings.js';
import system from './system.js';
import unpin from './unpin.js';

/** Every slash command, used by the bot and by deploy-commands. */
export const commands: readonly Command[] = [rollback, pin, unpin, limit, reset, history, settings, system, model, listen];

export const commandsByName: ReadonlyMap<string, Command> = new Map(commands.map((c) => [c.data.name, c]));
