import { type FormEvent, type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { normalizeSearch, SEARCH_DEBOUNCE_MS, SEARCH_MAX } from '../../lib/search-param.ts';

interface SearchFormProps {
  /** The field's label, which is also how tests and screen readers find it. */
  label: string;
  placeholder: string;
  /** The search the list shows now (from the address). */
  search: string;
  onSearch: (search: string) => void;
  /** More filters, beside the field. */
  children?: ReactNode;
}

/**
 * A list's search box: it searches as soon as the typing pauses, and at once on Enter or
 * Search. A search made elsewhere (Back, a link) shows in the box.
 */
export function SearchForm({ label, placeholder, search, onSearch, children }: SearchFormProps) {
  const id = useId();
  const [text, setText] = useState(search);
  // The last search this box asked for, to tell its own searches from those made elsewhere.
  const asked = useRef(search);

  useEffect(() => {
    if (search === asked.current) return;
    asked.current = search;
    setText(search);
  }, [search]);

  useEffect(() => {
    if (normalizeSearch(text) === asked.current) return;
    const timer = setTimeout(() => {
      const next = normalizeSearch(text);
      if (next === asked.current) return;
      asked.current = next;
      onSearch(next);
    }, SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [text, onSearch]);

  function handleSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const next = normalizeSearch(text);
    asked.current = next;
    onSearch(next);
  }

  return (
    <form className="form form--inline search-form" role="search" onSubmit={handleSubmit}>
      <div className="field field--grow">
        <label htmlFor={id}>{label}</label>
        <input
          id={id}
          name="query"
          type="search"
          value={text}
          onChange={(event) => setText(event.target.value)}
          maxLength={SEARCH_MAX}
          autoComplete="off"
          placeholder={placeholder}
        />
      </div>
      {children}
      <button type="submit" className="button button--primary">
        Search
      </button>
    </form>
  );
}
