/** Types for the shim next to this file (used by its test). */
export const NARROW: RegExp;
export default function stringWidth(input: string, options?: {ambiguousIsNarrow?: boolean; countAnsiEscapeCodes?: boolean}): number;
