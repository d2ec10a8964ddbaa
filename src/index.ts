/**
 * ims-sharing: a typed client for Huawei Cloud IMS image sharing, generated from the spec in
 * openapi/ and completed with authentication, validation, retries, typed errors and job waiting.
 */
export { createImsClient } from "./client.js";
export type { AcceptedJob, CallOptions, ImsClient, ImsClientOptions, UnshareOptions } from "./client.js";
export {
  ImsApiError, ImsError, ImsJobFailedError, ImsNetworkError, ImsResponseError, ImsTimeoutError, ImsValidationError,
} from "./errors.js";
export type { AnyJob } from "./errors.js";
export { signRequest, createSigner } from "./signer.js";
export type { AkSkCredentials, SignableRequest, SignedHeaders, SignOptions, Signature, Signer } from "./signer.js";
export type { ImsAuth } from "./auth.js";
export { regionEndpoint } from "./endpoint.js";
export type { RetryEvent, RetryOptions } from "./retry.js";
export type { PollOptions, WaitOptions } from "./wait.js";
export type { ValidationIssue } from "./validate.js";
export type {
  components, paths, operations,
  DeleteImageMembersRequest, DeleteImageMembersResponse, ErrorBody, GatewayErrorBody, ImsErrorBody,
  ImageId, Job, JobEntities, JobFields, JobId, JobProgress, JobProgressEntities, JobResult, JobStatus, ProjectId, SubJob,
} from "../generated/ims.js";
