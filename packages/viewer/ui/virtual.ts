import {
  elementScroll,
  observeElementOffset,
  observeElementRect,
  Virtualizer,
  type VirtualizerOptions,
} from '@tanstack/virtual-core';
import { useLayoutEffect, useReducer, useState } from 'preact/hooks';

type Options = Pick<
  VirtualizerOptions<HTMLElement, Element>,
  'count' | 'estimateSize' | 'overscan' | 'getItemKey' | 'getScrollElement' | 'paddingStart'
>;

/**
 * TanStack's framework-free virtualizer bound to Preact (what @tanstack/react-virtual does for
 * React): only the rows in view are in the DOM, so 10,000 spans or thousands of traces stay fast.
 */
export function useVirtualizer(options: Options): Virtualizer<HTMLElement, Element> {
  const [, rerender] = useReducer((x: number) => x + 1, 0);
  const resolved: VirtualizerOptions<HTMLElement, Element> = {
    observeElementRect,
    observeElementOffset,
    scrollToFn: elementScroll,
    ...options,
    onChange: () => rerender(undefined),
  };
  const [v] = useState(() => new Virtualizer<HTMLElement, Element>(resolved));
  v.setOptions(resolved);
  useLayoutEffect(() => v._didMount(), [v]);
  useLayoutEffect(() => {
    v._willUpdate();
  });
  return v;
}
