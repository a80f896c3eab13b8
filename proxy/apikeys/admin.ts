/**
 * API-key operations behind `/internal/admin/api-keys*` (OPERATOR-CONTRACT.md). Returns the redacted `ApiKey`
 * shape; the plaintext key leaves only once, from create(). Bodies are validated with JSON schema (ajv); problems
 * become AdminError 422 `validation_error`.
 */
import { randomUUID } from 'node:crypto';
import { Ajv, type ValidateFunction } from 'ajv';
import type { DataSource } from 'typeorm';
import { AdminError } from '../store/admin-error.ts';
import {
  ApiKeyEntity,
  ApiKeyLimitEntity,
  LIMIT_TYPES,
  LIMIT_WINDOWS,
  type ApiKeyLimitRow,
  type ApiKeyRow,
  type LimitType,
  type LimitWindow,
} from '../store/entities/api-key.ts';
import { withTransaction } from '../store/transaction.ts';
import { displayPrefix, generateApiKey, hashApiKey } from './key-format.ts';
import { WINDOW_MS } from './limits.ts';

export interface ApiKeyLimitView {
  readonly id: string;
  readonly limitType: LimitType;
  readonly limitWindow: LimitWindow;
  /** Tokens, or micro-dollars for cost_usd. */
  readonly maxValue: number;
  readonly currentValue: number;
  readonly modelFilter: string | null;
  readonly resetAt: string;
}

/** OPERATOR-CONTRACT.md `ApiKey`: no hash, no key. */
export interface ApiKeyView {
  readonly id: string;
  readonly name: string;
  readonly prefix: string;
  readonly allowedModels: readonly string[] | null;
  readonly limits: readonly ApiKeyLimitView[];
  readonly expiresAt: string | null;
  readonly active: boolean;
  readonly createdAt: string;
}

interface LimitInput {
  limitType: LimitType;
  limitWindow: LimitWindow;
  maxValue: number;
  modelFilter?: string | null;
}

interface CreateInput {
  name: string;
  allowedModels?: string[] | null;
  limits?: LimitInput[];
  expiresAt?: string | null;
}

interface UpdateInput extends Partial<CreateInput> {
  active?: boolean;
}

const ajv = new Ajv({ allErrors: true, strict: true });
const limitSchema = {
  type: 'object',
  required: ['limitType', 'limitWindow', 'maxValue'],
  additionalProperties: false,
  properties: {
    limitType: { type: 'string', enum: [...LIMIT_TYPES] },
    limitWindow: { type: 'string', enum: [...LIMIT_WINDOWS] },
    maxValue: { type: 'integer', minimum: 1 },
    modelFilter: { type: ['string', 'null'], minLength: 1, maxLength: 128 },
  },
};
const fields = {
  name: { type: 'string', minLength: 1, maxLength: 128 },
  allowedModels: { type: ['array', 'null'], items: { type: 'string', minLength: 1, maxLength: 128 }, uniqueItems: true },
  limits: { type: 'array', items: limitSchema },
  expiresAt: { type: ['string', 'null'], minLength: 1 },
};
const validateCreate = ajv.compile<CreateInput>({
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: fields,
});
const validateUpdate = ajv.compile<UpdateInput>({
  type: 'object',
  additionalProperties: false,
  properties: { ...fields, active: { type: 'boolean' } },
});

export interface ApiKeyAdminOptions {
  readonly dataSource: DataSource;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

export class ApiKeyAdmin {
  readonly #dataSource: DataSource;
  readonly #now: () => Date;

  constructor(options: ApiKeyAdminOptions) {
    this.#dataSource = options.dataSource;
    this.#now = options.now ?? (() => new Date());
  }

  /** The only time the plaintext `key` is available. */
  async create(body: unknown): Promise<{ apiKey: ApiKeyView; key: string }> {
    const input = checked(validateCreate, body);
    const now = this.#now();
    const key = generateApiKey();
    const row: ApiKeyRow = {
      id: randomUUID(),
      name: input.name,
      keyHash: hashApiKey(key),
      keyPrefix: displayPrefix(key),
      allowedModels: input.allowedModels ?? null,
      expiresAt: parseInstant(input.expiresAt ?? null),
      isActive: true,
      createdAt: now,
      lastUsedAt: null,
    };
    const limits = (input.limits ?? []).map((limit) => newLimit(row.id, limit, now));
    await withTransaction(this.#dataSource, async (manager) => {
      await manager.getRepository(ApiKeyEntity).insert(row);
      if (limits.length > 0) await manager.getRepository(ApiKeyLimitEntity).insert(limits);
    });
    return { apiKey: view(row, limits), key };
  }

  async list(): Promise<ApiKeyView[]> {
    const rows = await this.#dataSource.getRepository(ApiKeyEntity).find({ order: { createdAt: 'ASC', id: 'ASC' } });
    const limits = await this.#dataSource.getRepository(ApiKeyLimitEntity).find({ order: { id: 'ASC' } });
    return rows.map((row) => view(row, limits.filter((limit) => limit.apiKeyId === row.id)));
  }

  /**
   * Updates the given fields. `limits` replaces the key's limit set; a limit with the same type, window and model
   * filter as an existing one keeps its current usage and window.
   */
  async update(id: string, body: unknown): Promise<ApiKeyView> {
    const input = checked(validateUpdate, body);
    const expiresAt = input.expiresAt === undefined ? undefined : parseInstant(input.expiresAt);
    const now = this.#now();
    const updated = await withTransaction(this.#dataSource, async (manager) => {
      const keys = manager.getRepository(ApiKeyEntity);
      const row = await keys.findOneBy({ id });
      if (row === null) return null;
      if (input.name !== undefined) row.name = input.name;
      if (input.allowedModels !== undefined) row.allowedModels = input.allowedModels;
      if (expiresAt !== undefined) row.expiresAt = expiresAt;
      if (input.active !== undefined) row.isActive = input.active;
      await keys.save(row);

      const limitRepository = manager.getRepository(ApiKeyLimitEntity);
      let limits = await limitRepository.find({ where: { apiKeyId: id }, order: { id: 'ASC' } });
      if (input.limits !== undefined) {
        const next = input.limits.map((wanted) => {
          const same = limits.find((l) => sameSlot(l, wanted));
          return same === undefined ? newLimit(id, wanted, now) : { ...same, maxValue: wanted.maxValue };
        });
        const kept = new Set(next.map((limit) => limit.id));
        const removed = limits.filter((limit) => !kept.has(limit.id)).map((limit) => limit.id);
        if (removed.length > 0) await limitRepository.delete(removed);
        if (next.length > 0) await limitRepository.save(next);
        limits = next;
      }
      return view(row, limits);
    });
    if (updated === null) throw AdminError.notFound('API key', id);
    return updated;
  }

  async delete(id: string): Promise<void> {
    const result = await this.#dataSource.getRepository(ApiKeyEntity).delete({ id });
    if ((result.affected ?? 0) === 0) throw AdminError.notFound('API key', id);
  }

  async count(): Promise<number> {
    return this.#dataSource.getRepository(ApiKeyEntity).count();
  }
}

function checked<T>(validate: ValidateFunction<T>, body: unknown): T {
  if (validate(body)) return body;
  const problems = (validate.errors ?? []).map((e) => `${e.instancePath || 'body'} ${e.message ?? 'is invalid'}`);
  throw AdminError.validation(problems.join('; '));
}

function parseInstant(value: string | null): Date | null {
  if (value === null) return null;
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) throw AdminError.validation('/expiresAt must be an ISO-8601 date-time');
  return parsed;
}

function sameSlot(limit: ApiKeyLimitRow, wanted: LimitInput): boolean {
  return (
    limit.limitType === wanted.limitType &&
    limit.limitWindow === wanted.limitWindow &&
    limit.modelFilter === (wanted.modelFilter ?? null)
  );
}

/** A new limit's first window starts now. */
function newLimit(apiKeyId: string, input: LimitInput, now: Date): ApiKeyLimitRow {
  return {
    id: randomUUID(),
    apiKeyId,
    limitType: input.limitType,
    limitWindow: input.limitWindow,
    maxValue: input.maxValue,
    currentValue: 0,
    modelFilter: input.modelFilter ?? null,
    resetAt: new Date(now.getTime() + WINDOW_MS[input.limitWindow]),
  };
}

function view(row: ApiKeyRow, limits: readonly ApiKeyLimitRow[]): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.keyPrefix,
    allowedModels: row.allowedModels,
    limits: limits.map((limit) => ({
      id: limit.id,
      limitType: limit.limitType,
      limitWindow: limit.limitWindow,
      maxValue: limit.maxValue,
      currentValue: limit.currentValue,
      modelFilter: limit.modelFilter,
      resetAt: limit.resetAt.toISOString(),
    })),
    expiresAt: row.expiresAt?.toISOString() ?? null,
    active: row.isActive,
    createdAt: row.createdAt.toISOString(),
  };
}
