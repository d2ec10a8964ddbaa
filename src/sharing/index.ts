/**
 * Sharing as code: who may use which images, kept in a file, planned against the real members
 * and applied. `planSharing` reads and diffs, `applySharing` sends, waits and reads back;
 * `savePlan`/`loadPlan`/`applySavedPlan` keep a plan to apply later exactly as reviewed;
 * `importSharing` writes the file for what exists.
 */
export { DEFAULT_MODE, validateDesiredSharing } from "./desired.js";
export { organizationKey } from "./members.js";
export type { DesiredImage, DesiredRegion, DesiredSharing, SharingMode } from "./desired.js";
export {
  batchBody,
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_BATCH_IMAGES,
  DEFAULT_QUOTA,
  diffSharing,
  groupBatches,
  planSharing,
  selectTargets,
} from "./plan.js";
export type {
  ImageChange,
  ImageMember,
  ImageMembersBody,
  ImageRef,
  JobImageResult,
  MemberSet,
  PlanOptions,
  QuotaCheck,
  SharingBatch,
  SharingClient,
  SharingJob,
  SharingPlan,
  SharingProblem,
  SharingReadFailure,
} from "./plan.js";
export { applySharing } from "./apply.js";
export type {
  AppliedJob,
  AppliedJobStatus,
  ApplyEvent,
  ApplyOptions,
  ApplyReport,
  ImageFailure,
  ImageReport,
  ImageUnfinished,
} from "./apply.js";
export { formatSharingFile, importSharing, ImsSharingImportError, readSharing } from "./import.js";
export type { ImportClient, ImportedImage, ImportedMember, ImportNote, ImportOptions, SharingImport } from "./import.js";
export {
  applySavedPlan,
  checkSavedPlan,
  ImsStalePlanError,
  isSavedPlan,
  loadPlan,
  PLAN_FORMAT,
  PLAN_FORMAT_VERSION,
  savePlan,
  staleImage,
} from "./saved.js";
export type { CheckPlanOptions, LoadedPlan, SavedChange, SavedMember, SavedPlan, SavePlanOptions, StaleImage } from "./saved.js";
