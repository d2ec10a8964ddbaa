/**
 * ims-sharing: a typed client for Huawei Cloud IMS image sharing, generated from the spec in
 * openapi/ and completed with authentication, validation, retries, typed errors, job waiting,
 * pagination and declarative sharing (plan and apply).
 */
export { createImsClient } from "./client.js";
export type { ChangeResolution, ChangeResult } from "./change.js";
export type {
  AcceptOptions,
  CallOptions,
  ChangeOptions,
  AcceptResult,
  CopyResult,
  ImageMembersPage,
  PrivateImageQuota,
  ImsClient,
  ImsClientOptions,
  ListImagesOptions,
  PageOptions,
  PinnedCopy,
  PinOptions,
  SharedImagesOptions,
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- kept for existing code (deprecated, not removed)
  UnshareOptions,
} from "./client.js";
export {
  ImsAbortedError,
  ImsApiError,
  ImsError,
  ImsJobFailedError,
  ImsNetworkError,
  ImsProjectDiscoveryError,
  ImsRedirectError,
  ImsResponseError,
  ImsTimeoutError,
  ImsValidationError,
  mayHaveTakenEffect,
} from "./errors.js";
export type { ProjectCandidate } from "./errors.js";
export type { AnyJob, ImageResult } from "./job.js";
export { IMS_CODE_HINTS } from "./codes.js";
export { signRequest, createSigner } from "./signer.js";
export type { AkSkCredentials, SignableRequest, SignedHeaders, SignOptions, Signature, Signer } from "./signer.js";
export type { ImsAuth } from "./auth.js";
export { regionEndpoint } from "./endpoint.js";
export type { RetryEvent, RetryOptions } from "./retry.js";
export type { PollErrorEvent, PollOptions, WaitOptions } from "./wait.js";
export type { ValidationIssue } from "./validate.js";
export {
  applySavedPlan,
  applySharing,
  checkSavedPlan,
  ImsStalePlanError,
  isSavedPlan,
  loadPlan,
  PLAN_FORMAT,
  PLAN_FORMAT_VERSION,
  savePlan,
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_BATCH_IMAGES,
  DEFAULT_MODE,
  DEFAULT_QUOTA,
  diffSharing,
  formatSharingFile,
  groupBatches,
  importSharing,
  ImsSharingImportError,
  planSharing,
  readSharing,
  validateDesiredSharing,
} from "./sharing/index.js";
export type {
  AppliedJob,
  ApplyEvent,
  ApplyOptions,
  ApplyReport,
  DesiredImage,
  DesiredRegion,
  DesiredSharing,
  ImageChange,
  ImageFailure,
  ImageReport,
  ImageUnfinished,
  ImportClient,
  ImportedImage,
  ImportedMember,
  ImportNote,
  ImportOptions,
  MemberSet,
  PlanOptions,
  SharingBatch,
  SharingClient,
  SharingImport,
  SharingMode,
  SharingPlan,
  SharingProblem,
  SharingReadFailure,
  CheckPlanOptions,
  LoadedPlan,
  SavedChange,
  SavedMember,
  SavedPlan,
  SavePlanOptions,
  StaleImage,
} from "./sharing/index.js";
/** The operation table generated from the spec: method, path, schemas and facts of every operation. */
export { operations as OPERATIONS } from "../generated/operations.js";
export type { OperationId } from "../generated/operations.js";
export type {
  AcceptedJob,
  BodyOf,
  CallResult,
  InputOf,
  ItemOf,
  JobOperationId,
  PaginatedOperationId,
  PathOf,
  QueryOf,
  ResponseOf,
} from "./operations.js";
export type {
  components,
  paths,
  operations,
  DomainId,
  ErrorBody,
  GatewayErrorBody,
  ImageId,
  ImageMember,
  ImageMemberList,
  ImageMembersRemoval,
  ImageMembersRequest,
  ImsErrorBody,
  Job,
  JobAccepted,
  JobEntities,
  JobFields,
  JobId,
  JobProgress,
  JobProgressEntities,
  JobResult,
  JobStatus,
  ListedMemberId,
  MemberStatus,
  OrganizationRef,
  PageInfo,
  ProjectId,
  CopyImageRequest,
  DeleteImageRequest,
  ImageInfo,
  ImageList,
  IamLinks,
  Project,
  ProjectList,
  ImageQuota,
  QuotaResource,
  SubJob,
  UpdateImageMembersRequest,
} from "../generated/ims.js";
import type { BodyOf, ResponseOf } from "./operations.js";
import type { ImageInfo, ImageList } from "../generated/ims.js";
/** An image shared with you, as `listSharedImages` lists it: IMS's `ImageInfo` (the name before ListImages came). */
export type SharedImage = ImageInfo;
/** A page of `GET /v2/cloudimages` (the name before ListImages came). */
export type SharedImageList = ImageList;
/** The body of `DELETE /v1/cloudimages/members` (the same shape as adding members). */
export type DeleteImageMembersRequest = BodyOf<"deleteImageMembers">;
/** What `DELETE /v1/cloudimages/members` answers: the accepted job. */
export type DeleteImageMembersResponse = ResponseOf<"deleteImageMembers">;
/** The body of `POST /v1/cloudimages/members`. */
export type AddImageMembersRequest = BodyOf<"addImageMembers">;
