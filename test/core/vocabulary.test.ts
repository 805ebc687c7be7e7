import { describe, expect, it } from 'vitest';
import type { Command, Option } from 'commander';
import { z } from 'zod';
import { inputSchemas } from '../../src/api/contract.js';
import { iconDetectorConfigured } from '../../src/cli/grounder-option.js';
import { buildProgram } from '../../src/cli/program.js';
import * as vocabulary from '../../src/core/vocabulary.js';
import { MIGRATIONS } from '../../src/library/schema.js';
import { SETTINGS_GROUNDERS } from '../../src/library/settings.js';

/** The options of a zod enum inside an object schema (optional wrappers unwrapped). */
function enumOf(schema: z.ZodTypeAny, key: string): readonly string[] {
  let field = (schema as z.ZodObject<z.ZodRawShape>).shape[key] as z.ZodTypeAny;
  while (field instanceof z.ZodOptional || field instanceof z.ZodNullable) field = field.unwrap() as z.ZodTypeAny;
  if (!(field instanceof z.ZodEnum)) throw new Error(`${key} is not an enum`);
  return field.options as readonly string[];
}

function choicesOf(program: Command, path: string[], flag: string): readonly string[] | undefined {
  let cmd = program;
  for (const name of path) {
    const next = cmd.commands.find((c) => c.name() === name);
    if (!next) throw new Error(`no command ${path.join(' ')}`);
    cmd = next;
  }
  const option = cmd.options.find((o: Option) => o.long === flag);
  if (!option) throw new Error(`no option ${flag} on ${path.join(' ')}`);
  return option.argChoices;
}

/** The words of the nth SQL `CHECK (column IN (...))` constraint in the migrations' text. */
function sqlCheck(column: string, nth = 0): string[] {
  const sql = MIGRATIONS.map((m) => m.sql).join('\n');
  const match = [...sql.matchAll(new RegExp(`\\b${column}\\s+IN\\s*\\(([^)]*)\\)`, 'g'))][nth];
  if (!match) throw new Error(`no CHECK on ${column}`);
  return [...match[1]!.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
}

describe('core vocabulary', () => {
  it('derives the API contract enums', () => {
    expect(enumOf(inputSchemas['library.listRecordings'], 'kind')).toEqual(vocabulary.RECORDING_KINDS);
    expect(enumOf(inputSchemas['library.listRecordings'], 'status')).toEqual(vocabulary.RECORDING_STATUSES);
    expect(enumOf(inputSchemas['library.listRecordings'], 'stage')).toEqual(vocabulary.RECORDING_STAGES);
    expect(enumOf(inputSchemas['library.listTasks'], 'status')).toEqual(vocabulary.TASK_STATUSES);
    expect(enumOf(inputSchemas['tracker.start'], 'mode')).toEqual(vocabulary.TRACKER_MODES);
    expect(enumOf(inputSchemas['tracker.finish'], 'outcome')).toEqual(vocabulary.RECORDING_OUTCOMES);
    expect(enumOf(inputSchemas['tracker.describe'], 'level')).toEqual(vocabulary.TASK_LEVELS);
    expect(enumOf(inputSchemas['pipeline.export'], 'format')).toEqual(vocabulary.EXPORT_FORMATS);
    expect(enumOf(inputSchemas['agent.run'], 'grounder')).toEqual(vocabulary.GROUNDER_NAMES);
    expect(enumOf(inputSchemas['agent.replay'], 'grounder')).toEqual(vocabulary.GROUNDER_NAMES);
    expect(enumOf(inputSchemas['agent.replay'], 'mode')).toEqual(vocabulary.REPLAY_MODES);
  });

  it("derives the CLI's choices", () => {
    const program = buildProgram();
    // omniparser is offered only where its icon detector is configured (cli/grounder-option.ts).
    expect(choicesOf(program, ['run'], '--grounder')).toEqual(
      vocabulary.GROUNDER_NAMES.filter((g) => g !== 'omniparser' || iconDetectorConfigured()),
    );
    expect(choicesOf(program, ['locate'], '--grounder')).toEqual(vocabulary.GROUNDER_NAMES);
    expect(choicesOf(program, ['run'], '--device')).toEqual(vocabulary.DEVICES);
    expect(choicesOf(program, ['record'], '--mode')).toEqual(vocabulary.TRACKER_MODES);
    expect(choicesOf(program, ['record'], '--level')).toEqual(vocabulary.TASK_LEVELS);
    expect(choicesOf(program, ['record'], '--frame-format')).toEqual(vocabulary.FRAME_FORMATS);
    expect(choicesOf(program, ['export'], '--format')).toEqual(vocabulary.EXPORT_FORMATS);
    expect(choicesOf(program, ['list'], '--kind')).toEqual(vocabulary.RECORDING_KINDS);
    expect(choicesOf(program, ['list'], '--status')).toEqual(vocabulary.RECORDING_STATUSES);
  });

  it("matches the library schema's CHECK constraints and the settings", () => {
    expect(sqlCheck('mode')).toEqual(vocabulary.RECORDING_MODES);
    expect(sqlCheck('stage')).toEqual(vocabulary.RECORDING_STAGES);
    expect(sqlCheck('kind')).toEqual(vocabulary.RECORDING_KINDS);
    expect(sqlCheck('level')).toEqual(vocabulary.TASK_LEVELS);
    expect(sqlCheck('status', 0)).toEqual(vocabulary.TASK_STATUSES);
    // The newest migration's recordings table (schema 2 added 'interrupted').
    expect([...sqlCheck('status', 2)].sort()).toEqual([...vocabulary.RECORDING_STATUSES].sort());
    expect(SETTINGS_GROUNDERS).toEqual(vocabulary.GROUNDER_NAMES);
  });

  it('tracker modes are recording modes; outcomes are statuses', () => {
    for (const m of vocabulary.TRACKER_MODES) expect(vocabulary.isOneOf(vocabulary.RECORDING_MODES, m)).toBe(true);
    for (const o of vocabulary.RECORDING_OUTCOMES)
      expect(vocabulary.isOneOf(vocabulary.RECORDING_STATUSES, o)).toBe(true);
    expect(vocabulary.isOneOf(vocabulary.GROUNDER_NAMES, 'omniparser')).toBe(true);
    expect(vocabulary.isOneOf(vocabulary.GROUNDER_NAMES, 'toString')).toBe(false);
    expect(vocabulary.isOneOf(vocabulary.GROUNDER_NAMES, 3)).toBe(false);
  });
});
