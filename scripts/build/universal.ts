// Step 4b: the universal executable. The two darwin executables, each already signed ad hoc and
// checked page by page, are merged into one fat Mach-O file (macho/fat.ts) without changing a byte
// of either: macOS runs the arm64 slice on Apple silicon and the x86_64 slice on Intel, so one file
// (and one installer package) serves every Mac. The merge is read back and every slice checked again.
import { createFat, cpuName, fatSlice, parseFat } from './macho/fat.ts';
import { verifyPageHashes } from './macho/sign.ts';
import { minimumMacOS } from './min-macos.ts';

export interface UniversalExecutable {
  data: Buffer;
  /** The oldest macOS every slice runs on. */
  minimumMacOS: string;
  /** The architectures, in file order. */
  architectures: string[];
  pagesChecked: number;
}

export function universalExecutable(thins: readonly Buffer[]): UniversalExecutable {
  const data = createFat(thins);
  const slices = parseFat(data);
  let pagesChecked = 0;
  const minimums = new Set<string>();
  for (const slice of slices) {
    const bytes = fatSlice(data, slice);
    const check = verifyPageHashes(bytes);
    if (!check.ok)
      throw new Error(`universal executable, ${cpuName(slice.cpuType)} slice: ${check.problems.join('; ')}`);
    pagesChecked += check.pagesChecked;
    const minos = minimumMacOS(bytes);
    if (minos === undefined) throw new Error(`${cpuName(slice.cpuType)} slice: no minimum macOS version`);
    minimums.add(minos);
  }
  if (minimums.size !== 1)
    throw new Error(
      `the slices need different macOS versions (${[...minimums].join(', ')}): one package cannot say which`,
    );
  return {
    data,
    minimumMacOS: [...minimums][0] as string,
    architectures: slices.map((slice) => cpuName(slice.cpuType)),
    pagesChecked,
  };
}
