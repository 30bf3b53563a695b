import { pathToFileURL } from 'node:url';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { defineTasks, InvalidArgumentError, isTaskRef, type TaskRef, taskRef } from '../src/index.js';
import type { add, slow } from './fixtures/tasks.js';

const here = import.meta.url;

describe('taskRef', () => {
  it('accepts a file URL string, a URL object or an absolute path', () => {
    const fromString = taskRef(here, 'add');
    expect(fromString).toMatchObject({ moduleUrl: here, exportName: 'add', name: 'task-ref.test.ts#add' });
    expect(taskRef(new URL('./fixtures/tasks.ts', here), 'add').moduleUrl).toBe(
      new URL('./fixtures/tasks.ts', here).href,
    );
    expect(taskRef('/srv/app/tasks.js', 'run').moduleUrl).toBe(pathToFileURL('/srv/app/tasks.js').href);
    expect(isTaskRef(fromString)).toBe(true);
    expect(Object.isFrozen(fromString)).toBe(true);
  });

  it('rejects relative and bare specifiers with a hint', () => {
    expect(() => taskRef('./tasks.js', 'run')).toThrow(InvalidArgumentError);
    expect(() => taskRef('./tasks.js', 'run')).toThrow(
      /module '\.\/tasks\.js' is not an absolute file URL or path; a worker cannot resolve it\. Pass import\.meta\.url/,
    );
    expect(() => taskRef('some-package/tasks', 'run')).toThrow(/import\.meta\.resolve/);
    expect(() => taskRef(42 as never, 'run')).toThrow(/module must be a file URL/);
  });

  it('rejects an empty or non-string export name', () => {
    expect(() => taskRef(here, '')).toThrow("taskRef(): the export name must be a non-empty string, got ''");
    expect(() => taskRef(here, 7 as never)).toThrow(InvalidArgumentError);
  });

  it('takes its types from the function type given', () => {
    const ref = taskRef<typeof add>(here, 'add');
    expectTypeOf(ref).toEqualTypeOf<TaskRef<[a: number, b: number], number>>();
    const slowRef = taskRef<typeof slow<string>>(here, 'slow');
    expectTypeOf(slowRef).toEqualTypeOf<TaskRef<[ms: number, value: string], string>>();
  });
});

describe('defineTasks', () => {
  it('makes one reference per property, named by the key, typed by the function', () => {
    function resize(width: number, height: number): Promise<string> {
      return Promise.resolve(`${width}x${height}`);
    }
    const checksum = (text: string) => text.length;
    const refs = defineTasks(here, { resize, checksum });
    expect(refs.resize).toMatchObject({ moduleUrl: here, exportName: 'resize' });
    expect(refs.checksum.exportName).toBe('checksum');
    expectTypeOf(refs.resize).toEqualTypeOf<TaskRef<[width: number, height: number], string>>();
    expectTypeOf(refs.checksum).toEqualTypeOf<TaskRef<[text: string], number>>();
  });

  it('rejects a property that is not a function, naming it', () => {
    expect(() => defineTasks(here, { notAFunction: 42 } as never)).toThrow(
      `defineTasks(): 'notAFunction' must be an exported function of ${here}, got 42`,
    );
    expect(() => defineTasks('tasks.js', {})).toThrow(InvalidArgumentError);
  });

  it('isTaskRef tells references from look-alikes', () => {
    expect(isTaskRef({ moduleUrl: here, exportName: 'x', name: 'x' })).toBe(false);
    expect(isTaskRef(null)).toBe(false);
  });
});
