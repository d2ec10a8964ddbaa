/**
 * The client of a run, from the connection flags and then the environment, by the one rule of
 * src/environment.ts (a flag beats any variable; two of different kinds are refused), and how it
 * reached IMS, for the hints that must reach it the same way.
 */
import { createImsClient, type ImsClient } from "../../client.js";
import { resolveCredentials, resolvePlace, type CredentialSource, type Place } from "../../environment.js";
import { inCliTerms } from "../output/report.js";
import { UsageError } from "../output/usage-error.js";
import type { CliIo, ParsedValues } from "./types.js";

/** The client of a run, and how it reached IMS (for hints). */
export interface Connection {
  client: ImsClient;
  place: Place;
  credentials: CredentialSource;
}

/** A string flag's value, if given. */
export function stringValue(values: ParsedValues, flag: string): string | undefined {
  const value = values[flag];
  return typeof value === "string" ? value : undefined;
}

/** The client, from the flags and then the environment; a usage error names what is missing or conflicting. */
export function connect(values: ParsedValues, io: CliIo, projectId: string | undefined, name: string): Connection {
  const string = (flag: string) => stringValue(values, flag);
  const place = resolvePlace({ endpoint: string("endpoint"), region: string("region") }, io.env);
  if ("problem" in place) throw new UsageError(place.problem, name);
  const credentials = resolveCredentials(
    { accessKey: string("access-key"), secretKey: string("secret-key"), securityToken: string("security-token"), token: string("token") },
    io.env,
  );
  if ("problem" in credentials) throw new UsageError(credentials.problem, name);
  try {
    const client = createImsClient({
      ...io.client,
      auth: credentials.auth,
      ...(place.endpoint !== undefined ? { endpoint: place.endpoint } : { region: place.region }),
      ...(projectId ? { projectId } : {}),
      ...(values["allow-insecure-http"] === true ? { allowInsecureHttp: true } : {}),
    });
    return { client, place, credentials: credentials.source };
  } catch (error) {
    throw inCliTerms(error, "connection");
  }
}
