/**
 * Go's list-ordering primitives that kubectl's strategic merge relies on. Its comparators are
 * not always a strict order (an item missing from the order list compares "less"), so only
 * Go's exact algorithms give kubectl's exact resulting order.
 */

/** Go's sort.SliceStable: insertion sort over blocks of 20, then SymMerge passes. */
export function goSliceStable<T>(data: T[], less: (a: T, b: T) => boolean): void {
  const n = data.length;
  const lessAt = (i: number, j: number): boolean => less(data[i]!, data[j]!);
  const swap = (i: number, j: number): void => {
    const t = data[i]!;
    data[i] = data[j]!;
    data[j] = t;
  };
  const insertionSort = (a: number, b: number): void => {
    for (let i = a + 1; i < b; i++) for (let j = i; j > a && lessAt(j, j - 1); j--) swap(j, j - 1);
  };
  const swapRange = (a: number, b: number, k: number): void => {
    for (let i = 0; i < k; i++) swap(a + i, b + i);
  };
  const rotate = (a: number, m: number, b: number): void => {
    let i = m - a;
    let j = b - m;
    while (i !== j) {
      if (i > j) {
        swapRange(m - i, m, j);
        i -= j;
      } else {
        swapRange(m - i, m + j - i, i);
        j -= i;
      }
    }
    swapRange(m - i, m, i);
  };
  const symMerge = (a: number, m: number, b: number): void => {
    if (m - a === 1) {
      let i = m;
      let j = b;
      while (i < j) {
        const h = (i + j) >>> 1;
        if (lessAt(h, a)) i = h + 1;
        else j = h;
      }
      for (let k = a; k < i - 1; k++) swap(k, k + 1);
      return;
    }
    if (b - m === 1) {
      let i = a;
      let j = m;
      while (i < j) {
        const h = (i + j) >>> 1;
        if (!lessAt(m, h)) i = h + 1;
        else j = h;
      }
      for (let k = m; k > i; k--) swap(k, k - 1);
      return;
    }
    const mid = (a + b) >>> 1;
    const nn = mid + m;
    let start: number;
    let r: number;
    if (m > mid) {
      start = nn - b;
      r = mid;
    } else {
      start = a;
      r = m;
    }
    const p = nn - 1;
    while (start < r) {
      const c = (start + r) >>> 1;
      if (!lessAt(p - c, c)) start = c + 1;
      else r = c;
    }
    const end = nn - start;
    if (start < m && m < end) rotate(start, m, end);
    if (a < start && start < mid) symMerge(a, start, mid);
    if (mid < end && end < b) symMerge(mid, end, b);
  };

  let blockSize = 20;
  let a = 0;
  let b = blockSize;
  while (b <= n) {
    insertionSort(a, b);
    a = b;
    b += blockSize;
  }
  insertionSort(a, n);
  while (blockSize < n) {
    a = 0;
    b = 2 * blockSize;
    while (b <= n) {
      symMerge(a, a + blockSize, b);
      a = b;
      b += 2 * blockSize;
    }
    const m = a + blockSize;
    if (m < n) symMerge(a, m, n);
    blockSize *= 2;
  }
}

/**
 * kubectl's deduplication of a merged primitive list, in place: a later duplicate is overwritten
 * by the current last element and the logical length shrinks, so the order is NOT first-seen
 * order. Returns the new length; slots past it keep what Go's backing array would keep.
 */
export function goDeduplicateInPlace<T>(s: T[]): number {
  let length = s.length - 1;
  for (let i = 0; i < length; i++) {
    for (let j = i + 1; j <= length; j++) {
      if (s[i] === s[j]) {
        s[j] = s[length]!;
        length--;
        j--;
      }
    }
  }
  return Math.max(length + 1, 0);
}

/** goDeduplicateInPlace on a copy, truncated. */
export function goDeduplicateScalars<T>(input: readonly T[]): T[] {
  const s = input.slice();
  return s.slice(0, goDeduplicateInPlace(s));
}

/**
 * The capacity Go's encoding/json gives a decoded array of n items: it appends one by one, and
 * append doubles small slices (16-byte elements land exactly on size classes up to 256 items).
 * kubectl's merge of primitive lists appends into that spare room, so it matters (see strategic.ts).
 */
export function goDecodedCapacity(n: number): number {
  let cap = 0;
  for (let len = 1; len <= n; len++) {
    if (len <= cap) continue;
    if (len > cap * 2) cap = len;
    else if (cap < 256) cap *= 2;
    else while (cap < len) cap += (cap + 768) >> 2;
  }
  return cap;
}
