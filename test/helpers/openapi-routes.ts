// GitHub's published OpenAPI description (@octokit/openapi) as a request checker: route, method,
// path and query parameters, and the JSON body against the operation's requestBody schema.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

type Json = Record<string, unknown>;

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Json;
}

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  names: string[];
  operationId: string;
  parameters: Parameter[];
  body?: { required: boolean; validate: () => ValidateFunction };
}

export interface CheckedRequest {
  operationId: string;
  template: string;
  params: Record<string, string>;
  problems: string[];
}

const DOC_ID = 'https://github-openapi.invalid/api';
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** OpenAPI 3.0's `nullable` is not JSON Schema: a nullable schema is the schema or null. */
function fixNullable(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(fixNullable);
  if (!s || typeof s !== 'object') return s;
  const out: Json = {};
  for (const [k, v] of Object.entries(s)) out[k] = fixNullable(v);
  if (out.nullable === undefined) return out;
  const nullable = out.nullable === true;
  delete out.nullable;
  if (!nullable) return out;
  if (typeof out.type === 'string' && !out.enum) return { ...out, type: [out.type, 'null'] };
  return { anyOf: [out, { type: 'null' }] };
}

function loadDescription(): Json {
  const require = createRequire(import.meta.url);
  const file = require.resolve('@octokit/openapi/generated/api.github.com.json');
  // Every "#/components/..." reference points into the document registered under DOC_ID.
  const text = readFileSync(file, 'utf8').replaceAll('"#/components/', `"${DOC_ID}#/components/`);
  return JSON.parse(text) as Json;
}

export class OpenApiRoutes {
  private readonly routes: Route[] = [];
  private readonly ajv: Ajv;
  private readonly paramAjv: Ajv;
  private readonly components: Json;

  constructor() {
    const doc = loadDescription();
    this.components = fixNullable(doc.components) as Json;
    this.ajv = this.makeAjv(false);
    this.paramAjv = this.makeAjv(true);
    for (const [template, item] of Object.entries(doc.paths as Record<string, Json>))
      for (const [method, op] of Object.entries(item))
        if (['get', 'post', 'put', 'patch', 'delete'].includes(method))
          this.addRoute(template, method, op as Json, item);
    // A literal segment wins over a parameter: /repos/{o}/{r}/check-runs before /repos/{o}/{r}/{x}.
    this.routes.sort((a, b) => a.names.length - b.names.length);
  }

  private makeAjv(coerce: boolean): Ajv {
    const ajv = new Ajv({
      strict: false,
      allErrors: true,
      validateSchema: false,
      coerceTypes: coerce,
      logger: false,
    });
    addFormats(ajv);
    for (const f of ['int32', 'repo.nwo', 'timestamp', 'binary', 'uri-template'])
      ajv.addFormat(f, true);
    ajv.addSchema({ $id: DOC_ID, components: this.components });
    return ajv;
  }

  private deref<T>(value: unknown): T {
    const ref = (value as { $ref?: string }).$ref;
    if (!ref) return value as T;
    const path = ref.slice(`${DOC_ID}#/components/`.length).split('/');
    return path.reduce<unknown>((node, key) => (node as Json)[key], this.components) as T;
  }

  private addRoute(template: string, method: string, op: Json, item: Json): void {
    const names: string[] = [];
    const source = template
      .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
      .replace(/\\?\{([^}]+)\\?\}/g, (_m, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
    const params = [
      ...((item.parameters as unknown[]) ?? []),
      ...((op.parameters as unknown[]) ?? []),
    ].map((p) => this.deref<Parameter>(fixNullable(p)));
    const content = (this.deref<Json>(op.requestBody ?? {}).content ?? {}) as Json;
    const json = content['application/json'] as Json | undefined;
    let compiled: ValidateFunction | undefined;
    this.routes.push({
      method: method.toUpperCase(),
      template,
      pattern: new RegExp(`^${source}$`),
      names,
      operationId: op.operationId as string,
      parameters: params,
      body: json?.schema
        ? {
            required: (this.deref<Json>(op.requestBody).required as boolean) ?? false,
            validate: () => (compiled ??= this.ajv.compile(fixNullable(json.schema) as Json)),
          }
        : undefined,
    });
  }

  /** Checks one request; `problems` is empty when GitHub would accept its shape. */
  check(
    method: string,
    path: string,
    query: URLSearchParams,
    body: unknown,
  ): CheckedRequest | { problems: string[] } {
    const candidates = this.routes.filter((r) => r.pattern.test(path));
    if (!candidates.length)
      return { problems: [`${method} ${path}: no such route in GitHub's OpenAPI description`] };
    const route = candidates.find((r) => r.method === method);
    if (!route)
      return { problems: [`${method} ${path}: ${candidates[0]?.template} has no ${method}`] };
    const m = route.pattern.exec(path) as RegExpExecArray;
    const params = Object.fromEntries(
      route.names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? '')]),
    );
    const problems = [...this.checkParams(route, params, query), ...this.checkBody(route, body)];
    return {
      operationId: route.operationId,
      template: route.template,
      params,
      problems: problems.map((p) => `${method} ${route.template}: ${p}`),
    };
  }

  private checkParams(
    route: Route,
    params: Record<string, string>,
    query: URLSearchParams,
  ): string[] {
    const problems: string[] = [];
    const check = (p: Parameter, raw: string): void => {
      const holder = { v: raw };
      const ok = this.paramAjv.validate(
        { type: 'object', properties: { v: p.schema ?? {} } },
        holder,
      );
      if (!ok) problems.push(`${p.in} parameter ${p.name}=${raw}: ${this.paramAjv.errorsText()}`);
    };
    for (const p of route.parameters) {
      const raw =
        p.in === 'path' ? params[p.name] : p.in === 'query' ? query.get(p.name) : undefined;
      if (raw === undefined || raw === null) {
        if (p.required && (p.in === 'path' || p.in === 'query'))
          problems.push(`missing ${p.in} parameter ${p.name}`);
        continue;
      }
      check(p, raw);
    }
    for (const name of query.keys())
      if (!route.parameters.some((p) => p.in === 'query' && p.name === name))
        problems.push(`unknown query parameter ${name}`);
    return problems;
  }

  private checkBody(route: Route, body: unknown): string[] {
    if (!route.body)
      return body === undefined ? [] : ['sends a body, but the operation takes none'];
    if (body === undefined) return route.body.required ? ['the request body is required'] : [];
    const validate = route.body.validate();
    if (validate(body)) return [];
    return (validate.errors ?? [])
      .slice(0, 5)
      .map((e) => `body${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
  }
}
