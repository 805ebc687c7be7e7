import type { ComponentChildren } from 'preact';

/**
 * A titled section of a screen, labelled by its heading (`${id}-title`). `heading` is the level
 * of that heading: screens use h2, the sections of the settings form h3.
 */
export function Panel(props: {
  id: string;
  title: ComponentChildren;
  heading?: 'h2' | 'h3';
  intro?: string;
  sectionId?: string;
  children?: ComponentChildren;
}) {
  const Heading = props.heading ?? 'h2';
  return (
    <section class="panel" id={props.sectionId} aria-labelledby={`${props.id}-title`}>
      <Heading id={`${props.id}-title`}>{props.title}</Heading>
      {props.intro ? <p class="muted">{props.intro}</p> : null}
      {props.children}
    </section>
  );
}
