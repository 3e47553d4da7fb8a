import type { Command } from '../src/command.js';
import exportCommand from './export.js';
import forge from './forge.js';
import history from './history.js';
import importCommand from './import.js';
import limit from './limit.js';
import memory from './memory.js';
import listen from './listen.js';
import model from './model.js';
import pin from './pin.js';
import reset from './reset.js';
import retry from './retry.js';
import rollback from './rollback.js';
import settings from './settings.js';
import system from './system.js';
import unpin from './unpin.js';
import usage from './usage.js';

/** Every slash command, used by the bot and by deploy-commands. */
export const commands: readonly Command[] = [rollback, pin, unpin, limit, reset, retry, history, settings, system, model, listen, forge, memory, exportCommand, importCommand, usage];

export const commandsByName: ReadonlyMap<string, Command> = new Map(commands.map((c) => [c.data.name, c]));
