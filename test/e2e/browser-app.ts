// A page that uses the client in a browser: stop sharing an image and wait for the job, with a
// token or with AK/SK signing (Web Crypto), against the fake IMS named in the query string.
import { createImsClient } from "ims-sharing";

const query = new URLSearchParams(location.search);
const ims = createImsClient({
  endpoint: query.get("endpoint")!,
  auth: query.get("auth") === "aksk" ? { accessKey: "BROWSERAK", secretKey: "browser-secret-key" } : { token: "browser-token" },
  poll: { initialDelayMs: 50, growth: 0.1, maxDelayMs: 200 },
});
const report = (result: unknown) => {
  document.body.dataset.result = JSON.stringify(result);
};
ims
  .unshareImages({ images: [query.get("image")!], projects: [query.get("project")!] }, { timeoutMs: 20_000 })
  .then((job) => report({ status: job.status, jobId: job.job_id }))
  .catch((error: unknown) => report({ error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }));
