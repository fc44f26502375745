// The shape every parser returns. Parsers are pure: (stdout, stderr, exit code) -> ParseResult.
export interface CommandOutput {
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

/**
 * value: what the output establishes (fields it does not establish are null inside it), or null when
 * the output establishes nothing. errors: one message per problem (unrecognised line with its line
 * number, error output, unexpected exit code): each becomes a snapshot error entry. Never a guess.
 */
export interface ParseResult<T> {
  value: T | null;
  errors: string[];
}
