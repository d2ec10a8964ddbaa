/**
 * The contract suite's public face, for `ims-sharing contract` and `npm run contract` (whose
 * command line makes the options): run the suite, read its verdict. Node only; needs Stoplight
 * Prism (an optional peer dependency, `npm install --save-dev @stoplight/prism-cli@5.14.2`).
 */
export { CONTRACT_EXIT, INSTALLED_COMMANDS, probeUpstream, runContract } from "./run.js";
export type {
  ContractCommands,
  ContractEnvironment,
  ContractOptions,
  ContractRunResult,
  ContractVerdict,
  UpstreamProbe,
  ValidatingProxy,
  WorkflowOutcome,
} from "./run.js";
export { BROKEN_VARIANTS } from "./broken.js";
export type { BrokenVariant } from "./broken.js";
export { CHECKS, uncoveredOperations } from "./checks.js";
export { runContractChecks } from "./runner.js";
export type { RunChecksOptions } from "./runner.js";
export { formatReport } from "./report.js";
export type { Check, CheckResult, ContractRecipient, ContractTarget } from "./context.js";
export { PRISM_INSTALL, PRISM_PACKAGE, PRISM_VERSION, PrismMissingError, resolvePrism, startPrism } from "./prism.js";
export { ContractViolationError, UpstreamUnreachableError } from "./observe.js";
export type { Exchange, Violation } from "./observe.js";
