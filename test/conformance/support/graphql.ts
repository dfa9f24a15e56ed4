import { schema as published } from '@octokit/graphql-schema';
import {
  buildSchema,
  getVariableValues,
  isAbstractType,
  isEnumType,
  isListType,
  isNonNullType,
  isObjectType,
  isInterfaceType,
  isScalarType,
  Kind,
  parse,
  validate,
  typeFromAST,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { Violation } from './openapi.js';

/**
 * GitHub's GraphQL schema (@octokit/graphql-schema) and two checks: a document the adapters send
 * is valid against it (with its variables), and an answer has exactly the shape the document
 * selects (every selected field present with its schema type, nothing else).
 */

let cached: GraphQLSchema | undefined;

export function githubSchema(): GraphQLSchema {
  if (!cached) {
    cached = buildSchema(published.idl, { assumeValidSDL: true });
  }
  return cached;
}

function operationOf(query: string): {
  op: OperationDefinitionNode;
  fragments: Map<string, FragmentDefinitionNode>;
} {
  const doc = parse(query);
  const fragments = new Map<string, FragmentDefinitionNode>();
  let op: OperationDefinitionNode | undefined;
  for (const def of doc.definitions) {
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
    if (def.kind === Kind.OPERATION_DEFINITION) op ??= def;
  }
  if (!op) throw new Error('no operation in the document');
  return { op, fragments };
}

function describe(query: string): string {
  try {
    const { op } = operationOf(query);
    const root = op.selectionSet.selections.find((s) => s.kind === Kind.FIELD);
    return `graphql ${op.operation} ${op.name?.value ?? root?.name.value ?? ''}`.trim();
  } catch {
    return 'graphql (unparseable)';
  }
}

/** Schema errors of a document and, when given, of its variables; empty when GitHub would accept it. */
export function checkDocument(query: string, variables?: Record<string, unknown>): string[] {
  const schema = githubSchema();
  let doc;
  try {
    doc = parse(query);
  } catch (error) {
    return [(error as Error).message];
  }
  const errors = validate(schema, doc).map((e) => e.message);
  if (errors.length > 0 || variables === undefined) return errors;
  const { op } = operationOf(query);
  const coerced = getVariableValues(schema, op.variableDefinitions ?? [], variables);
  return (coerced.errors ?? []).map((e) => e.message);
}

type Out = Omit<Violation, 'operation' | 'status'>[];

/** Violations of a GraphQL answer against the shape its document selects. */
export function checkGraphqlAnswer(query: string, body: unknown, status = 200): Violation[] {
  const operation = describe(query);
  const out: Out = [];
  const fail = (at: string, rule: string, message: string) => out.push({ at, rule, message });
  const schema = githubSchema();
  const finish = () => out.map((v) => ({ operation, status, ...v }));
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    fail('$', 'type', 'a GraphQL answer is an object');
    return finish();
  }
  const record = body as Record<string, unknown>;
  for (const key of Object.keys(record))
    if (!['data', 'errors', 'extensions'].includes(key))
      fail(`$.${key}`, 'additionalProperties', `"${key}" is not part of a GraphQL answer`);
  if (record.errors !== undefined) {
    if (!Array.isArray(record.errors)) fail('$.errors', 'type', 'errors is a list');
    else
      record.errors.forEach((e, i) => {
        if (!e || typeof (e as { message?: unknown }).message !== 'string')
          fail(`$.errors[${i}]`, 'required', 'an error has a message');
      });
    return finish(); // data next to errors may be partial: not checked
  }
  const { op, fragments } = operationOf(query);
  const root = op.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  if (!root) return finish();
  checkValue(schema, root, record.data, [op.selectionSet], fragments, '$.data', fail);
  return finish();

  function checkValue(
    s: GraphQLSchema,
    type: GraphQLOutputType,
    value: unknown,
    sets: readonly SelectionSetNode[],
    frags: Map<string, FragmentDefinitionNode>,
    at: string,
    report: (at: string, rule: string, message: string) => void,
  ): void {
    if (isNonNullType(type)) {
      if (value === null || value === undefined)
        return report(at, 'non-null', `null for the non-null type ${String(type)}`);
      return checkValue(s, type.ofType, value, sets, frags, at, report);
    }
    if (value === null) return;
    if (isListType(type)) {
      if (!Array.isArray(value)) return report(at, 'type', `expected a list (${String(type)})`);
      value.forEach((item, i) => checkValue(s, type.ofType, item, sets, frags, `${at}[${i}]`, report));
      return;
    }
    if (isEnumType(type)) {
      if (typeof value !== 'string' || !type.getValue(value))
        report(at, 'enum', `${JSON.stringify(value)} is not a ${type.name} value`);
      return;
    }
    if (isScalarType(type)) return checkScalar(type.name, value, at, report);
    if (typeof value !== 'object' || Array.isArray(value))
      return report(at, 'type', `expected an object (${type.name})`);
    checkObject(s, type, value as Record<string, unknown>, sets, frags, at, report);
  }

  function checkObject(
    s: GraphQLSchema,
    parent: GraphQLCompositeType,
    value: Record<string, unknown>,
    sets: readonly SelectionSetNode[],
    frags: Map<string, FragmentDefinitionNode>,
    at: string,
    report: (at: string, rule: string, message: string) => void,
  ): void {
    const typename = typeof value.__typename === 'string' ? value.__typename : undefined;
    const concrete = isAbstractType(parent) ? (typename ? s.getType(typename) : undefined) : parent;
    if (
      isAbstractType(parent) &&
      typename &&
      (!concrete || !isObjectType(concrete) || !s.isSubType(parent, concrete))
    )
      report(`${at}.__typename`, 'type', `${typename} is not a possible ${parent.name}`);
    // responseName -> field selections, and whether the field is certain to be selected
    const fields = new Map<string, { type: GraphQLOutputType; sets: SelectionSetNode[]; certain: boolean }>();
    const collect = (set: SelectionSetNode, on: GraphQLCompositeType, certain: boolean) => {
      for (const sel of set.selections) {
        if (sel.kind === Kind.FIELD) {
          const name = sel.name.value;
          const responseName = sel.alias?.value ?? name;
          let type: GraphQLOutputType | undefined;
          if (name === '__typename') type = s.getType('String') as GraphQLOutputType;
          else if (isObjectType(on) || isInterfaceType(on)) type = on.getFields()[name]?.type;
          if (!type) continue; // the document check reports unknown fields
          const entry = fields.get(responseName) ?? { type, sets: [], certain: false };
          if (sel.selectionSet) entry.sets.push(sel.selectionSet);
          entry.certain ||= certain;
          fields.set(responseName, entry);
          continue;
        }
        const fragment = sel.kind === Kind.INLINE_FRAGMENT ? sel : frags.get(sel.name.value);
        if (!fragment) continue;
        const condition = fragment.typeCondition
          ? (typeFromAST(s, fragment.typeCondition) as GraphQLCompositeType | undefined)
          : on;
        if (!condition) continue;
        if (concrete && isObjectType(concrete)) {
          const applies =
            condition === concrete || (isAbstractType(condition) && s.isSubType(condition, concrete));
          if (applies) collect(fragment.selectionSet, concrete, certain);
        } else collect(fragment.selectionSet, condition, condition === on ? certain : false);
      }
    };
    for (const set of sets) collect(set, concrete && isObjectType(concrete) ? concrete : parent, true);
    for (const [name, field] of fields) {
      if (!(name in value)) {
        if (field.certain) report(`${at}.${name}`, 'required', `selected field "${name}" is missing`);
        continue;
      }
      if (name === '__typename') {
        if (typeof value[name] !== 'string') report(`${at}.${name}`, 'type', '__typename is a string');
        continue;
      }
      checkValue(s, field.type, value[name], field.sets, frags, `${at}.${name}`, report);
    }
    for (const key of Object.keys(value))
      if (!fields.has(key)) report(`${at}.${key}`, 'additionalProperties', `field "${key}" was not selected`);
  }
}

function checkScalar(
  name: string,
  value: unknown,
  at: string,
  report: (at: string, rule: string, message: string) => void,
): void {
  const ok =
    name === 'Int'
      ? Number.isInteger(value)
      : name === 'Float'
        ? typeof value === 'number'
        : name === 'Boolean'
          ? typeof value === 'boolean'
          : typeof value === 'string'; // String, ID and GitHub's custom scalars (DateTime, URI, GitObjectID, ...)
  if (!ok) report(at, 'type', `${JSON.stringify(value)} is not a ${name}`);
}
