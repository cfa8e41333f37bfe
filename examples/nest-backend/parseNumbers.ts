import { BadRequestException } from '@nestjs/common';

const kMaxNumbers = 100;
const kNumber = /^\d{1,40}$/;

/**
 * The `n` query parameter, a comma-separated list of non-negative integers,
 * as bigints. The query is untrusted: its size is bounded, and anything else
 * (a repeated parameter, a sign, an exponent, 41 digits) is a 400.
 */
export function parseNumbers(query: unknown): bigint[] {
  const parts = typeof query === 'string' ? query.split(',') : [];
  if (parts.length === 0 || parts.length > kMaxNumbers || !parts.every((p) => kNumber.test(p))) {
    throw new BadRequestException(`n must be a comma-separated list of 1 to ${kMaxNumbers} non-negative integers of at most 40 digits`);
  }
  return parts.map(BigInt);
}
