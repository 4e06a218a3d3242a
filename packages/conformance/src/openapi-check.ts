import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

// Checks an answer of the frago API against its OpenAPI document, so the document
// cannot drift from the server: a status, header, media type or body field the
// document does not describe fails the suite that received it.

/** An answer as the suite received it. */
export interface ObservedResponse {
  readonly method: string;
  /** The URL as requested (its path is matched against the document's templates). */
  readonly url: string;
  readonly status: number;
  /** A header's value by lowercase name, or undefined. */
  readonly header: (name: string) => string | undefined;
  /** The body as text (empty when there was none). */
  readonly text: string;
}

/** The parts of an OpenAPI 3.1 document the check reads. */
interface Reference {
  readonly $ref: string;
}
interface HeaderObject {
  readonly required?: boolean;
  readonly schema: object;
}
interface ResponseObject {
  readonly headers?: Record<string, HeaderObject | Reference>;
  readonly content?: Record<string, { readonly schema: object }>;
  /** Header values (by name) with which the answer has no body, whatever `content` describes otherwise. */
  readonly 'x-no-body-when'?: Record<string, string>;
}
interface OperationObject {
  readonly responses: Record<string, ResponseObject | Reference>;
}
export interface OpenApiDocument {
  readonly paths: Record<string, Record<string, unknown>>;
  /** The answer to a path under a base (`/upload`, `/files`) that names no route, by base. */
  readonly 'x-unrouted-responses'?: Record<string, Reference>;
  readonly [key: string]: unknown;
}

const DOCUMENT_ID = 'openapi.json';
const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

const isReference = (value: unknown): value is Reference => typeof value === 'object' && value !== null && '$ref' in value;

/** The frago API's OpenAPI document, as published in `@frago/core/openapi.json`. */
export function fragoOpenApi(): OpenApiDocument {
  return JSON.parse(readFileSync(fileURLToPath(import.meta.resolve('@frago/core/openapi.json')), 'utf8')) as OpenApiDocument;
}

/** A template's path without slashes at its end, as a pattern (`{id}` is one path segment). */
function templatePattern(template: string): RegExp {
  const body = template.replace(/\/+$/, '').replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
  return new RegExp(`^${body}$`);
}

/** The document's bases: frago's API at `/upload`, tus at `/files`, the Companion-style endpoints at `/s3`. */
const DOCUMENT_MOUNTS: Readonly<Record<string, string>> = { '/upload': '/upload', '/files': '/files', '/s3': '/s3' };

/**
 * A checker of answers against `document`. `mounts` maps where the server serves each
 * protocol to the document's base for it (`{ '/uploads/tus': '/files' }`); by default
 * the document's own. `check` throws when an answer is not described; answers to paths
 * outside every mount are not frago's and pass.
 */
export function openApiChecker(document: OpenApiDocument, mounts: Readonly<Record<string, string>> = DOCUMENT_MOUNTS) {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  ajv.addSchema(document, DOCUMENT_ID, undefined, false);
  const validators = new Map<string, ValidateFunction>();
  const validatorAt = (pointer: string): ValidateFunction => {
    let validate = validators.get(pointer);
    if (validate === undefined) {
      validate = ajv.compile({ $ref: `${DOCUMENT_ID}#${pointer}` });
      validators.set(pointer, validate);
    }
    return validate;
  };
  const escape = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1');
  const resolve = <T>(value: T | Reference, pointer: string): { readonly value: T; readonly pointer: string } => {
    if (!isReference(value)) return { value, pointer };
    const target = value.$ref.replace(/^#/, '');
    const found = target
      .split('/')
      .slice(1)
      .reduce<unknown>((node, token) => (node as Record<string, unknown>)[token.replace(/~1/g, '/').replace(/~0/g, '~')], document);
    if (found === undefined) throw new Error(`the document's ${value.$ref} does not exist`);
    return resolve(found as T | Reference, target);
  };
  const templates = Object.keys(document.paths).map((template) => ({ template, pattern: templatePattern(template) }));

  /** The response the document gives for `answer`, and where it lies in the document; throws when there is none. */
  function describedResponse(answer: ObservedResponse, route: string, base: string, pathname: string): { readonly value: ResponseObject; readonly pointer: string } {
    const method = answer.method.toLowerCase();
    const found = templates.find(({ pattern }) => pattern.test(pathname.replace(/\/+$/, '')));
    if (found === undefined) {
      const unrouted = document['x-unrouted-responses']?.[base];
      if (unrouted === undefined) throw new Error(`${route}: no path of the document matches`);
      return resolve<ResponseObject>(unrouted, `/x-unrouted-responses/${escape(base)}`);
    }
    const item = document.paths[found.template] ?? {};
    const operation = METHODS.has(method) ? (item[method] as OperationObject | undefined) : undefined;
    if (operation === undefined) throw new Error(`${route}: the document has no ${method.toUpperCase()} on ${found.template}`);
    const key = [String(answer.status), `${String(answer.status)[0]}XX`, 'default'].find((name) => name in operation.responses);
    if (key === undefined) {
      throw new Error(`${route}: status ${answer.status} is not described (described: ${Object.keys(operation.responses).join(', ')})`);
    }
    return resolve(operation.responses[key] as ResponseObject | Reference, `/paths/${escape(found.template)}/${method}/responses/${key}`);
  }

  function checkHeaders(answer: ObservedResponse, where: string, response: ResponseObject, pointer: string): void {
    for (const [name, declared] of Object.entries(response.headers ?? {})) {
      const header = resolve<HeaderObject>(declared, `${pointer}/headers/${escape(name)}`);
      const value = answer.header(name.toLowerCase());
      if (value === undefined) {
        if (header.value.required === true) throw new Error(`${where}: the header ${name} is missing`);
        continue;
      }
      const validate = validatorAt(`${header.pointer}/schema`);
      if (!validate(value)) throw new Error(`${where}: the header ${name} is ${JSON.stringify(value)}: ${ajv.errorsText(validate.errors, { dataVar: 'value' })}`);
    }
  }

  function checkBody(answer: ObservedResponse, where: string, response: ResponseObject, pointer: string): void {
    const content = response.content ?? {};
    const without = Object.entries(response['x-no-body-when'] ?? {}).find(([name, value]) => answer.header(name.toLowerCase()) === value);
    if (without !== undefined) {
      if (answer.text !== '') throw new Error(`${where}: the answer has a body, the document describes none with ${without[0]}: ${without[1]}`);
      return;
    }
    const bodiless = answer.method.toUpperCase() === 'HEAD' || answer.text === '';
    if (bodiless) {
      if (Object.keys(content).length > 0 && answer.method.toUpperCase() !== 'HEAD') throw new Error(`${where}: the body is empty, the document describes ${Object.keys(content).join(', ')}`);
      return;
    }
    const type = answer.header('content-type')?.split(';', 1)[0]?.trim().toLowerCase() ?? '';
    const media = Object.keys(content).find((name) => name.toLowerCase() === type);
    if (media === undefined) throw new Error(`${where}: the content type ${JSON.stringify(type)} is not described (described: ${Object.keys(content).join(', ') || 'no body'})`);
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      throw new Error(`${where}: the body is not JSON: ${answer.text.slice(0, 200)}`);
    }
    const validate = validatorAt(`${pointer}/content/${escape(media)}/schema`);
    if (!validate(body)) {
      throw new Error(`${where}: the body does not match the document: ${ajv.errorsText(validate.errors, { dataVar: 'body' })}\n${answer.text.slice(0, 500)}`);
    }
  }

  return {
    /**
     * @throws {Error} naming the route, the status and what the document does not
     * describe: the status, a required header, a header's value, the media type, or
     * the body.
     */
    check(answer: ObservedResponse): void {
      // The path as written: a URL object would resolve the `..` hostile requests send.
      const path = answer.url.replace(/^[a-z]+:\/\/[^/]+/i, '').split(/[?#]/, 1)[0] ?? '';
      const mount = Object.keys(mounts).find((served) => path === served || path.startsWith(`${served}/`));
      if (mount === undefined) return;
      const base = mounts[mount] ?? mount;
      const route = `${answer.method.toUpperCase()} ${path}`;
      const response = describedResponse(answer, route, base, `${base}${path.slice(mount.length)}`);
      const where = `${route} answered ${answer.status}`;
      checkHeaders(answer, where, response.value, response.pointer);
      checkBody(answer, where, response.value, response.pointer);
    },
  };
}

/** The checker of the published frago document, as the HTTP suite uses it. */
export type OpenApiChecker = ReturnType<typeof openApiChecker>;
