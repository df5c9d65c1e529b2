import type { Directive } from 'vue'

// `v-normalize="fn"` on an <input> that also has v-model: the field shows and the model holds
// fn(value) as the user types (full-width IME input folded, IDs upper-cased, a written mobile
// number in its 09xxxxxxxx form). `v-normalize.lazy` waits until the field is left (names,
// addresses, dates: trimming while typing would eat the space between two words). Nothing is
// rewritten during IME composition; Vue's v-model re-emits `input` on compositionend.
// The normalisers are the shared ones (src/shared/normalize.ts) that main and server-mock apply too.

type Normalizer = (text: string) => string

const current = new WeakMap<HTMLInputElement, Normalizer>()

function apply(el: HTMLInputElement): void {
  const fn = current.get(el)
  if (!fn) return
  const next = fn(el.value)
  if (next === el.value) return
  el.value = next
  // Tell v-model (registered before this directive's listener) the normalised value.
  el.dispatchEvent(new Event('input'))
}

export const vNormalize: Directive<HTMLInputElement, Normalizer> = {
  mounted(el, binding) {
    current.set(el, binding.value)
    if (!binding.modifiers.lazy) {
      el.addEventListener('input', (e) => {
        if (!(e as InputEvent).isComposing) apply(el)
      })
    }
    el.addEventListener('change', () => apply(el))
    el.addEventListener('blur', () => apply(el))
  },
  updated(el, binding) {
    current.set(el, binding.value)
  },
  unmounted(el) {
    current.delete(el)
  }
}
